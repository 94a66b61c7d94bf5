/// The worker's version, shown by `--version` and `/health`.
package enum UvianVersion {
    package static let current = "0.1.0"
}
