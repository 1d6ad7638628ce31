-- Obligations per jurisdiction (the recipient's country, ISO 3166-1 alpha-2), each with
-- a title and the days after the grant's decision (or after now, when it has no
-- decision date) by which it is due. `default` applies where no country is listed.
--
-- These are examples to adapt: what applies depends on each country's law, which
-- changes; have them checked before relying on them.
return {
  RU = {
    { title = "Record the funds received from abroad separately in the accounts", days = 30 },
    { title = "Include the funds received from abroad in the next report to the registering authority", days = 90 },
  },
  default = {
    { title = "Note the funds received from abroad in the annual report", days = 365 },
  },
}
