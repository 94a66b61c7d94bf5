// The host's API speaks the one JSON library: whoever imports Host (the CLI, the tests) gets it too.
@_exported public import JSON
