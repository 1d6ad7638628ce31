/// The Lua side of `comity test`: `describe`/`it` to declare cases and `expect` to
/// check values. A failed check raises an error at the spec's line that shows both
/// values.
enum SpecPrelude {
    static let source = #"""
        local cases, prefix = {}, {}

        function describe(name, body)
          prefix[#prefix + 1] = name
          body()
          prefix[#prefix] = nil
        end

        function it(name, body)
          local full = table.concat(prefix, " ")
          cases[#cases + 1] = { name = (full == "" and "" or full .. " ") .. name, body = body }
        end


        local function show(value, depth)
          depth = depth or 0
          if type(value) == "string" then return string.format("%q", value) end
          if type(value) ~= "table" then return tostring(value) end
          if depth > 3 then return "{...}" end
          local keys = {}
          for k in pairs(value) do keys[#keys + 1] = k end
          table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
          local parts = {}
          for i, k in ipairs(keys) do
            if i > 12 then parts[#parts + 1] = "..." break end
            local key = (math.type(k) == "integer") and "" or (tostring(k) .. " = ")
            parts[#parts + 1] = key .. show(value[k], depth + 1)
          end
          return "{ " .. table.concat(parts, ", ") .. " }"
        end

        local function equal(a, b)
          if a == b then return true end
          if type(a) ~= "table" or type(b) ~= "table" then return false end
          for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
          for k in pairs(b) do if a[k] == nil then return false end end
          return true
        end

        function expect(actual)
          local checks = {}
          local function fail(text) error(text, 3) end
          function checks.to_equal(expected)
            if not equal(actual, expected) then fail("expected " .. show(expected) .. ", got " .. show(actual)) end
          end
          function checks.to_be_nil()
            if actual ~= nil then fail("expected nil, got " .. show(actual)) end
          end
          function checks.to_be_truthy()
            if not actual then fail("expected a true value, got " .. show(actual)) end
          end
          function checks.to_be_falsy()
            if actual then fail("expected false or nil, got " .. show(actual)) end
          end
          function checks.to_contain(part)
            if type(actual) == "string" then
              if not string.find(actual, part, 1, true) then fail("expected text containing " .. show(part) .. ", got " .. show(actual)) end
            elseif type(actual) == "table" then
              for _, v in pairs(actual) do if equal(v, part) then return end end
              fail("expected a table containing " .. show(part) .. ", got " .. show(actual))
            else
              fail("expected a string or table to search for " .. show(part) .. ", got " .. show(actual))
            end
          end
          function checks.to_fail_with(text)
            if type(actual) ~= "function" then fail("to_fail_with needs a function, got " .. show(actual)) end
            local ok, err = pcall(actual)
            if ok then fail("expected an error containing " .. show(text) .. ", but it succeeded") end
            if not string.find(tostring(err), text, 1, true) then
              fail("expected an error containing " .. show(text) .. ", got " .. show(tostring(err)))
            end
          end
          return checks
        end

        -- The cases, for the runner: the chunk's result, not a global a spec could reach.
        return function() return cases end
        """#

    /// The checks `expect(actual)` returns, as the source above defines them; the
    /// registry documents them as the type `Expectation`.
    static let checks: [(name: String, summary: String)] = [
        ("to_equal", "`expect(a).to_equal(b)`: equal values, tables compared field by field."),
        ("to_be_nil", "The value is nil."),
        ("to_be_truthy", "The value is neither false nor nil."),
        ("to_be_falsy", "The value is false or nil."),
        ("to_contain", "A string contains the text (plainly, no pattern), or a table holds the value."),
        ("to_fail_with", "`expect(function() ... end).to_fail_with(\"text\")`: the function fails, its error containing the text."),
    ]
}
