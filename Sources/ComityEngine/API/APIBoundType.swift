import LuaBridge

/// A userdata type of the Lua API declared once: each member with its documentation
/// and how the binding answers it. The registry's declaration (the reference, the
/// stubs, `comity check`) and the binding (what a script reaches) are both made from
/// this one list, so a member cannot be documented without being bound, or bound
/// without being documented.
struct APIBoundType<Host: AnyObject, Object: AnyObject> {
    /// A field read as `object.name`.
    struct Field {
        let field: APIField
        /// Computed once per object and then answered in C (see `LuaUserdataType.field`).
        let cached: Bool
        let get: (Host, Object) throws -> LuaValue

        init(_ name: String, _ type: APIType, _ summary: String, cached: Bool = false,
             get: @escaping (Host, Object) throws -> LuaValue) {
            field = APIField(name, type, summary)
            self.cached = cached
            self.get = get
        }
    }

    /// A method called as `object:name(...)`.
    struct Method {
        let method: APIMethod
        let body: (Host, Object, borrowing LuaCall) throws -> LuaResults
    }

    let name: String
    let summary: String
    let fields: [Field]
    let methods: [Method]
    /// LuaLS operator lines, e.g. `add(Money): Money`.
    let operators: [String]

    init(_ name: String, summary: String, fields: [Field], methods: [Method] = [], operators: [String] = []) {
        self.name = name
        self.summary = summary
        self.fields = fields
        self.methods = methods
        self.operators = operators
    }

    /// The type as the registry documents it.
    var declaration: APITypeDeclaration {
        APITypeDeclaration(name, summary: summary, fields: fields.map(\.field), methods: methods.map(\.method),
                           operators: operators)
    }

    /// Binds every member into `type`, answered by `host` (unowned: the host keeps the type).
    func bind(_ type: LuaUserdataType<Object>, to host: Host) {
        for member in fields {
            let get = member.get
            type.field(member.field.name, cached: member.cached) { [unowned host] object in try get(host, object) }
        }
        for member in methods {
            let body = member.body
            type.method(member.method.name) { [unowned host] object, call in try body(host, object, call) }
        }
    }
}
