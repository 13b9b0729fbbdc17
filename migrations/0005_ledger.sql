-- The reference ledger: the shape of a Nordic collection agency's core data, in its own schema.
-- dsrdesk never names these tables in code: it reads and changes them only through the data map
-- (datamap/reference-ledger.toml). An agency points its own data map at its own tables or views.
-- `dsrdesk seed` fills this ledger consistently with the seeded requests.

CREATE SCHEMA ledger;

-- Creditors and other clients, and the agency's role for each service (GDPR Art. 4(7) / 28):
-- controller for collection, processor for invoicing and ledger management (seeds 001, 004).
CREATE TABLE ledger.clients (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    org_number  text NOT NULL,
    country     text NOT NULL CHECK (country IN ('SE', 'FI')),
    service     text NOT NULL CHECK (service IN ('collection', 'invoicing', 'ledger_management')),
    agency_role text NOT NULL CHECK (agency_role IN ('controller', 'processor')),
    privacy_contact text
);

-- Everyone the agency holds data about.
CREATE TABLE ledger.persons (
    id                 bigint PRIMARY KEY,
    role               text NOT NULL CHECK (role IN ('debtor', 'representative', 'guarantor',
                           'client_contact', 'authority_contact', 'prospect')),
    country            text NOT NULL CHECK (country IN ('SE', 'FI')),
    -- Normalised: YYYYMMDD-NNNC (Swedish) or the HETU as written (Finnish).
    personal_number    text,
    first_name         text,
    last_name          text,
    street             text,
    postal_code        text,
    city               text,
    phone              text,
    email              text,
    language           text CHECK (language IN ('sv', 'fi', 'en')),
    created_on         date NOT NULL,
    -- Art. 18: kept, not used.
    restricted_at      timestamptz,
    restriction_reason text,
    anonymised_at      timestamptz
);
CREATE INDEX persons_by_personal_number ON ledger.persons (personal_number);
CREATE INDEX persons_by_email ON ledger.persons (lower(email));
-- Finding the requester by name matches "Given Family" as written in a request.
CREATE INDEX persons_by_full_name ON ledger.persons (lower(first_name || ' ' || last_name));

-- Further contact details (older addresses, spare phones and e-mails from address look-ups).
CREATE TABLE ledger.contact_details (
    id            bigint PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES ledger.persons (id),
    kind          text NOT NULL CHECK (kind IN ('phone', 'email', 'address')),
    value         text NOT NULL,
    obtained_from text NOT NULL,
    added_on      date NOT NULL,
    restricted_at timestamptz
);
CREATE INDEX contact_details_by_person ON ledger.contact_details (person_id);

-- Cases and the claims in them.
CREATE TABLE ledger.cases (
    id              bigint PRIMARY KEY,
    case_number     text NOT NULL UNIQUE,
    client_id       bigint NOT NULL REFERENCES ledger.clients (id),
    -- NULL once the debtor's identity is erased from a case kept for the books.
    debtor_id       bigint REFERENCES ledger.persons (id),
    invoice_number  text,
    currency        text NOT NULL CHECK (currency IN ('SEK', 'EUR')),
    principal       numeric(14, 2) NOT NULL CHECK (principal >= 0),
    fees            numeric(14, 2) NOT NULL CHECK (fees >= 0),
    interest        numeric(14, 2) NOT NULL CHECK (interest >= 0),
    outstanding     numeric(14, 2) NOT NULL CHECK (outstanding >= 0),
    opened_on       date NOT NULL,
    closed_on       date,
    paid_in_full_on date,
    stage           text NOT NULL CHECK (stage IN ('reminder', 'collection', 'payment_plan',
                        'enforcement', 'court', 'closed')),
    restricted_at   timestamptz,
    CONSTRAINT paid_means_nothing_outstanding CHECK (paid_in_full_on IS NULL OR outstanding = 0),
    CONSTRAINT closed_stage CHECK ((stage = 'closed') = (closed_on IS NOT NULL))
);
CREATE INDEX cases_by_debtor ON ledger.cases (debtor_id);

-- Other people on a case: guarantors, co-liable persons, representatives.
CREATE TABLE ledger.case_parties (
    case_id       bigint NOT NULL REFERENCES ledger.cases (id),
    person_id     bigint NOT NULL REFERENCES ledger.persons (id),
    role          text NOT NULL CHECK (role IN ('guarantor', 'co_liable', 'representative')),
    restricted_at timestamptz,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_parties_by_person ON ledger.case_parties (person_id);

-- Payments and their bookings; `financial_year_end` is the last day of the financial year they
-- were booked in (bookkeeping retention counts from it).
CREATE TABLE ledger.payments (
    id                 bigint PRIMARY KEY,
    case_id            bigint NOT NULL REFERENCES ledger.cases (id),
    payer_id           bigint REFERENCES ledger.persons (id),
    paid_on            date NOT NULL,
    amount             numeric(14, 2) NOT NULL CHECK (amount > 0),
    method             text NOT NULL CHECK (method IN ('bankgiro', 'bank_transfer', 'card', 'enforcement')),
    booking_reference  text NOT NULL,
    financial_year_end date NOT NULL CHECK (financial_year_end >= paid_on),
    restricted_at      timestamptz
);
CREATE INDEX payments_by_case ON ledger.payments (case_id);
CREATE INDEX payments_by_payer ON ledger.payments (payer_id);

CREATE TABLE ledger.letters (
    id            bigint PRIMARY KEY,
    case_id       bigint REFERENCES ledger.cases (id),
    person_id     bigint NOT NULL REFERENCES ledger.persons (id),
    sent_on       date NOT NULL,
    letter_type   text NOT NULL CHECK (letter_type IN ('collection_letter', 'reminder',
                      'payment_plan', 'enforcement_notice', 'information')),
    channel       text NOT NULL CHECK (channel IN ('post', 'email', 'sms', 'digital_mailbox')),
    restricted_at timestamptz
);
CREATE INDEX letters_by_person ON ledger.letters (person_id);

CREATE TABLE ledger.calls (
    id            bigint PRIMARY KEY,
    case_id       bigint REFERENCES ledger.cases (id),
    person_id     bigint NOT NULL REFERENCES ledger.persons (id),
    called_at     timestamptz NOT NULL,
    direction     text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    summary       text NOT NULL,
    restricted_at timestamptz
);
CREATE INDEX calls_by_person ON ledger.calls (person_id);

-- Credit-information look-ups (e.g. before a payment plan).
CREATE TABLE ledger.credit_lookups (
    id            bigint PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES ledger.persons (id),
    bureau        text NOT NULL,
    looked_up_on  date NOT NULL,
    purpose       text NOT NULL,
    restricted_at timestamptz
);
CREATE INDEX credit_lookups_by_person ON ledger.credit_lookups (person_id);

-- Customer due diligence under the anti-money-laundering acts. The check keeps the identity it
-- checked, so it stands on its own when the person record is anonymised.
CREATE TABLE ledger.aml_checks (
    id                    bigint PRIMARY KEY,
    person_id             bigint NOT NULL REFERENCES ledger.persons (id),
    checked_on            date NOT NULL,
    checked_name          text,
    checked_number        text,
    outcome               text NOT NULL CHECK (outcome IN ('cleared', 'pep', 'enhanced_due_diligence')),
    relationship_ended_on date,
    restricted_at         timestamptz
);
CREATE INDEX aml_checks_by_person ON ledger.aml_checks (person_id);

-- Marketing preferences and consents. An opt-out (Art. 21(3)) is final: it stays recorded so the
-- person is never contacted again, even after the rest is erased.
CREATE TABLE ledger.marketing_preferences (
    person_id        bigint PRIMARY KEY REFERENCES ledger.persons (id),
    consent_given_on date,
    by_email         boolean NOT NULL DEFAULT false,
    by_sms           boolean NOT NULL DEFAULT false,
    by_post          boolean NOT NULL DEFAULT false,
    opted_out_at     timestamptz,
    restricted_at    timestamptz
);
