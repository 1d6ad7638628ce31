/// The globals the engine gives a script besides the sandbox's and the API's functions,
/// by name: what a plugin's namespace must not take, and what `comity check` knows.
public enum ScriptGlobals {
    /// Globals the engine installs in every run (the registry's `globals`).
    public static let host = Set(HostGlobal.allCases.map(\.rawValue))
    /// What a spec file (`*_spec.lua`) has besides the API: the spec functions and their namespaces.
    public static let spec = Set(SpecDocumentation.functions.map { String($0.name.prefix { $0 != "." }) })
}
