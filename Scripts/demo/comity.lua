-- The demo workspace's settings (make demo copies this over comity.lua): UTC, and the
-- two survey fields the ASI study asked about, which Scripts/reports/
-- international-cooperation.lua reads.
return {
  time_zone = "UTC",
  database = ".comity/comity.db",
  -- comity serve takes application forms at /hooks/forms, signed with the secret
  -- FORMS_SECRET (COMITY_SECRET_FORMS_SECRET or .comity/secrets), and queues intake-form.
  hooks = { forms = { secret = "FORMS_SECRET", workflow = "intake-form" } },
  custom_fields = {
    organisation = {
      cooperates_internationally = { type = "boolean", doc = "Has experience of international cooperation (ASI study)" },
      focus_area = { type = "choice", values = { "education", "culture", "social_services", "human_rights", "environment", "health" },
                     doc = "The organisation's main field of work" },
    },
  },
}
