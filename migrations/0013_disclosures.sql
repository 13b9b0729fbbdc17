-- What was actually disclosed, per record (GDPR Art. 19): a case that went to enforcement or to
-- court was sent to the enforcement authority or the court, and stays so after its stage moves on
-- (a case closed after enforcement); an anti-money-laundering check was sent to the financial
-- intelligence unit only when a report was made. The data map reads these as `disclosed_*` facts,
-- so an Art. 19 notice goes only to a recipient that received the record.
ALTER TABLE ledger.cases
    ADD COLUMN sent_to_enforcement_on date,
    ADD COLUMN taken_to_court_on date;
ALTER TABLE ledger.aml_checks
    ADD COLUMN reported_on date;
