/// The worker's version, shown by `--version` and `/health`.
public enum UvianVersion {
    public static let current = "0.1.0"
}
