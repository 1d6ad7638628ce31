import CLuaShim
import HumanReadable

/// How objects of a Swift class look from Lua: readable (and writable) fields and
/// methods, reached through the userdata's metatable. An object pushed into Lua is
/// retained until Lua collects its userdata.
///
/// ```swift
/// let counters = LuaUserdataType<Counter>("Counter")
/// counters.field("value") { .integer($0.value) }
/// counters.method("add") { counter, call in
///     counter.value += try call.integer(2)
///     return .none
/// }
/// try state.push(Counter(), as: counters)
/// ```
public final class LuaUserdataType<Object: AnyObject> {
    public let name: String
    var getters: [String: (Object) throws -> LuaValue] = [:]
    var cachedFields: Set<String> = []
    var setters: [String: (Object, LuaValue) throws -> Void] = [:]
    var methods: [String: (Object, borrowing LuaCall) throws -> LuaResults] = [:]
    var metamethods: [String: LuaFunctionBody] = [:]

    /// Said after "field 'x' is read-only" when a script assigns to a field, to point
    /// at the way such objects are changed.
    public var assignmentHint: String?

    public init(_ name: String) { self.name = name }

    /// A field read as `object.name`, and written as `object.name = v` when `set` is given.
    /// A `cached` field (read-only) is computed once per object and then answered in C;
    /// call ``LuaCall/clearFieldCache(_:)`` when the object changes.
    public func field(
        _ name: String, cached: Bool = false, get: @escaping (Object) throws -> LuaValue,
        set: ((Object, LuaValue) throws -> Void)? = nil
    ) {
        precondition(!(cached && set != nil), "a cached field cannot be written")
        getters[name] = get
        setters[name] = set
        if cached { cachedFields.insert(name) } else { cachedFields.remove(name) }
    }

    /// A method called as `object:name(...)`; argument 1 is the object itself.
    public func method(_ name: String, _ body: @escaping (Object, borrowing LuaCall) throws -> LuaResults) {
        methods[name] = body
    }

    /// A metamethod such as `__add`, `__eq`, `__lt`, `__tostring` or `__concat`. Its
    /// arguments are Lua's (either operand may be of another type). `__index`,
    /// `__newindex` and `__gc` belong to the bridge.
    public func metamethod(_ name: String, _ body: @escaping LuaFunctionBody) {
        precondition(!["__index", "__newindex", "__gc", "__metatable", "__name"].contains(name),
                     "\(name) is managed by LuaUserdataType")
        metamethods[name] = body
    }

    var memberNames: [String] { Array(getters.keys) + Array(methods.keys) }
}

/// What a state's binding of a userdata type answers, whatever its object type.
protocol BoundUserdataType: AnyObject {
    var typeName: String { get }
    var fieldNames: Set<String> { get }
    var methodNames: Set<String> { get }
}

extension UserdataBinding: BoundUserdataType {
    var typeName: String { type.name }
    var fieldNames: Set<String> { Set(type.getters.keys) }
    var methodNames: Set<String> { Set(methodValues.keys) }
}

extension LuaState {
    /// The userdata types bound in this state so far (a type is bound when its first
    /// object is pushed), by name, with the fields and methods their objects answer:
    /// what scripts reach, for tests that hold documentation to the live state.
    public var boundUserdataMembers: [String: (fields: Set<String>, methods: Set<String>)] {
        var members: [String: (fields: Set<String>, methods: Set<String>)] = [:]
        for case let binding as any BoundUserdataType in userdataBindings.values {
            members[binding.typeName] = (binding.fieldNames, binding.methodNames)
        }
        return members
    }
}

/// The metatable and method functions of one userdata type in one state.
final class UserdataBinding<Object: AnyObject> {
    let type: LuaUserdataType<Object>
    var methodValues: [String: LuaValue] = [:]
    var metatable: LuaReference?

    init(type: LuaUserdataType<Object>) { self.type = type }

    var key: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }
}

private let releaseObject: comity_release_function = { object in
    guard let object else { return }
    Unmanaged<AnyObject>.fromOpaque(object).release()
}

extension LuaState {
    private func binding<Object: AnyObject>(for type: LuaUserdataType<Object>) throws(LuaError) -> UserdataBinding<Object> {
        if let existing = userdataBindings[ObjectIdentifier(type)] as? UserdataBinding<Object> { return existing }
        let binding = UserdataBinding(type: type)
        userdataBindings[ObjectIdentifier(type)] = binding
        for (name, body) in type.methods {
            binding.methodValues[name] = try function("\(type.name):\(name)") { call throws in
                let object = try call.object(1, as: type)
                return try body(object, call)
            }
        }
        try check(comity_new_object_metatable(pointer, binding.key, type.name, releaseObject))
        let metatable = lua_gettop(pointer)
        defer { lua_settop(pointer, metatable - 1) }
        let index = try function("\(type.name).__index") { [unowned binding] call throws in
            let object = try call.object(1, as: type)
            let key = try call.string(2)
            if let getter = binding.type.getters[key] {
                let value = try getter(object)
                if binding.type.cachedFields.contains(key) {
                    let state = call.state
                    try state.pushString(key)
                    try state.push(value)
                    try state.check(comity_p_cache_field(call.pointer, 1))
                }
                return try call.returning(value)
            }
            if let method = binding.methodValues[key] { return try call.returning(method) }
            throw LuaScriptError(Self.unknownField(key, of: binding.type.name, among: binding.type.memberNames))
        }
        let newIndex = try function("\(type.name).__newindex") { [unowned binding] call throws in
            let object = try call.object(1, as: type)
            let key = try call.string(2)
            guard let setter = binding.type.setters[key] else {
                if binding.type.getters[key] != nil || binding.methodValues[key] != nil {
                    let hint = binding.type.assignmentHint.map { "; \($0)" } ?? ""
                    throw LuaScriptError("\(binding.type.name) field '\(key)' is read-only\(hint)")
                }
                throw LuaScriptError(Self.unknownField(key, of: binding.type.name, among: binding.type.memberNames))
            }
            try setter(object, try call.value(3))
            return .none
        }
        let toString = try function("\(type.name).__tostring") { call throws in
            let object = try call.object(1, as: type)
            return try call.returning("\(type.name): \(ObjectIdentifier(object))")
        }
        // __index answers cached fields in C, and asks Swift for the rest.
        try push(index)
        try check(comity_p_push_cached_index(pointer))
        let cachedIndex = LuaValue.function(try popReference())
        var entries = [("__index", cachedIndex), ("__newindex", newIndex), ("__tostring", toString)]
        for (name, body) in type.metamethods.sorted(by: { $0.key < $1.key }) {
            let function = try function("\(type.name).\(name)", body)
            entries.removeAll { $0.0 == name }
            entries.append((name, function))
        }
        for (name, value) in entries {
            try pushString(name)
            try push(value)
            try check(comity_p_rawset(pointer, metatable))
        }
        return binding
    }

    /// `Organisation has no field 'nmae' (did you mean 'name'?)`
    static func unknownField(_ key: String, of typeName: String, among names: [String]) -> String {
        var message = "\(typeName) has no field '\(key)'"
        if let suggestion = NameSuggestion.closest(to: key, among: names) {
            message += " (did you mean '\(suggestion)'?)"
        }
        return message
    }

    /// Makes `type` known to this state (done on first push as well).
    public func register<Object: AnyObject>(_ type: LuaUserdataType<Object>) throws(LuaError) {
        _ = try binding(for: type)
    }

    /// Pushes `object` as a userdata of `type`; it stays retained until Lua collects it.
    public func push<Object: AnyObject>(_ object: Object, as type: LuaUserdataType<Object>) throws(LuaError) {
        let binding = try binding(for: type)
        try withStackRoom(4)
        lua_rawgetp(pointer, comity_registryindex(), binding.key)
        let metatable = lua_gettop(pointer)
        let retained = Unmanaged.passRetained(object as AnyObject).toOpaque()
        let status = comity_push_object(pointer, retained, metatable)
        if status != LUA_OK {
            Unmanaged<AnyObject>.fromOpaque(retained).release()
            comity_pop(pointer, 1)
            try check(status)
        }
        comity_remove(pointer, metatable)
    }

    /// The object inside a Lua value, when it is a userdata of `type`.
    public func object<Object: AnyObject>(in value: LuaValue, as type: LuaUserdataType<Object>) -> Object? {
        guard case .userdata(let reference) = value, reference.state === self,
              let binding = userdataBindings[ObjectIdentifier(type)], lua_checkstack(pointer, 2) != 0
        else { return nil }
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(reference.reference))
        defer { comity_pop(pointer, 1) }
        guard let raw = comity_to_object(pointer, -1, UnsafeRawPointer(Unmanaged.passUnretained(binding).toOpaque())) else {
            return nil
        }
        return Unmanaged<Object>.fromOpaque(raw).takeUnretainedValue()
    }

    /// `object` as a Lua value of `type`.
    public func value<Object: AnyObject>(_ object: Object, as type: LuaUserdataType<Object>) throws(LuaError) -> LuaValue {
        try push(object, as: type)
        return .userdata(try popReference())
    }
}

extension LuaCall {
    /// Returns `object` as a userdata of `type`, pushed directly (no registry reference).
    public func returning<Object: AnyObject>(_ object: Object, as type: LuaUserdataType<Object>) throws(LuaError) -> LuaResults {
        try state.push(object, as: type)
        return LuaResults(count: 1)
    }

    /// Forgets the cached fields of the object at argument `n`, after it changed.
    public func clearFieldCache(_ n: Int32) {
        comity_clear_field_cache(pointer, n)
    }

    /// Argument `n` if it is an object of `type`, else nil.
    public func optionalObject<Object: AnyObject>(_ n: Int32, as type: LuaUserdataType<Object>) -> Object? {
        guard let binding = state.userdataBindings[ObjectIdentifier(type)],
              let raw = comity_to_object(pointer, n, UnsafeRawPointer(Unmanaged.passUnretained(binding).toOpaque()))
        else { return nil }
        return Unmanaged<Object>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Argument `n` as an object of `type`.
    public func object<Object: AnyObject>(_ n: Int32, as type: LuaUserdataType<Object>) throws -> Object {
        if let object = optionalObject(n, as: type) { return object }
        throw LuaArgumentError(index: n, problem: "\(type.name) expected, got \(typeName(n))")
    }
}

extension LuaState {
    /// Forgets the cached fields of the userdata `value` holds, after its object changed
    /// outside a call on it (put back by a rollback). Never raises.
    public func clearFieldCache(of value: LuaValue) {
        guard case .userdata(let reference) = value, lua_checkstack(pointer, 2) != 0 else { return }
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(reference.reference))
        comity_clear_field_cache(pointer, -1)
        comity_pop(pointer, 1)
    }
}
