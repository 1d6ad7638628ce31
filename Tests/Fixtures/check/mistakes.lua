-- Every line marked `--!` has one mistake `comity check` must find (and the others none).
local helpers = {}
function helpers.name(record, suffix) return record.name .. (suffix or "") end

return workflow {
  name = "mistakes",
  run = function(ctx)
    local f = orgs.create { name = "Fund", country = "RU", kind = 60 }
    local g = grants.create { titel = "Library", funder = f, recipient = f }   --! Grant has no field 'titel'
    grants.awrd(g)                                                             --! unknown API function 'grants.awrd'
    grants.award(g, money(5000, "RUB"), 3)                                     --! too many arguments
    time.days("three")                                                         --! bad argument #1 (integer expected, got string)
    grants.submit()                                                            --! missing argument #1
    print(g.titel)                                                             --! Grant has no field 'titel'
    for o in orgs.find { country = "RU" } do print(o.nmae) end                 --! Organisation has no field 'nmae'
    orgz.count()                                                               --! unknown name 'orgz'
    prnt(helpers.name(f))                                                      --! unknown name 'prnt'
    local total = grants.sum { "amount_awarded", by = { "funder" } }
    print(#total, g.title, f.country, tostring(time.now()))
    grants.update(g, { programme = "Libraries", amount_requested = money(10, "RUB") })
    return ctx.run_id
  end,
}
