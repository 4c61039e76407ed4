extension Dispatcher {
    /// `/etc/bindwatch/dispatch.d`, then `dispatch.d` under the lib directory of the prefix the
    /// program is installed in (`/usr/local/bin/bindwatch-dispatch`: `/usr/local/lib/bindwatch/dispatch.d`).
    public static var defaultDirectories: [String] {
        var directories = ["/etc/bindwatch/dispatch.d"]
        if let bin = ProcessCalls.executableDirectory, let slash = bin.lastIndex(of: "/") {
            directories.append(String(bin[..<slash]) + "/lib/bindwatch/dispatch.d")
        }
        return directories
    }

    /// The dispatcher's own environment, to pass on to the scripts.
    public static var processEnvironment: [String] { ProcessCalls.environment }
}
