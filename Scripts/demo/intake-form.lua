-- The demo's webhook intake (make demo copies it into Scripts/): an application form
-- posted to comity serve at /hooks/forms, signed with the FORMS_SECRET secret. The
-- applicant is found by name or made; running it again for the same form changes nothing.
return workflow {
  name = "intake-form",
  description = "An organisation for each application form posted to /hooks/forms",
  run = function(ctx)
    local form = ctx.trigger.json
    if type(form) ~= "table" or type(form.organisation) ~= "string" then
      error("the form has no organisation: " .. tostring(ctx.trigger.body))
    end
    for found in orgs.find { name = form.organisation, limit = 1 } do
      ctx.log(("%s applied again (delivery %s)"):format(found.name, ctx.trigger.delivery))
      return
    end
    local org = orgs.create { name = form.organisation, country = form.country, kind = form.kind }
    ctx.log(("%s (%s) applied through the %s form (delivery %s)"):format(org.name, org.country, ctx.trigger.hook, ctx.trigger.delivery))
  end,
}
