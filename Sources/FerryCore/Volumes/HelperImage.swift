/// The image of the pods that copy and check volume data. It needs `sh`, `rsync`,
/// `find`, `stat`, `sha256sum`, `du` and `df`, and an rsync of 3.1.3 or later (the
/// first copy keeps holes while writing in place, and every pass compares times to
/// the nanosecond); this small public Alpine image has them. A cluster without access
/// to Docker Hub mirrors it and names the copy in the plan (`volumes[].image`).
public enum HelperImage {
    public static let rsync = "docker.io/instrumentisto/rsync-ssh:alpine"
}
