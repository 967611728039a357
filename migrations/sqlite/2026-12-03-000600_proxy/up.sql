-- Applications made for someone else (issue 16, 代办): by a resident for a relative,
-- or by a village agent (or a village official acting as one) for a villager. One row
-- per such case; a case about the applicant themself has none. Kept beside
-- `applications` rather than in it: most cases never need these columns.
CREATE TABLE application_proxies (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications (id),
    -- The staff account that applied as agent; NULL when a resident applied.
    agent_id TEXT REFERENCES users (id),
    -- spouse | parent | child | sibling | grandparent | grandchild | guardian | other
    -- (domain::proxy::Relationship); NULL for an agent, who is no relative.
    relationship TEXT,
    -- The applicant's own words when the relationship is "other".
    relationship_note TEXT,
    -- The subject's phone, if they have one: the consent code and the notice of each
    -- submission go there.
    subject_phone TEXT,
    -- How the subject agreed: sms (a code sent to subject_phone, read out) or
    -- authorisation (a photographed signed 委托书, checked by the village official).
    -- NULL: not yet; the case cannot be submitted.
    consent TEXT,
    consent_at TIMESTAMP,
    -- The SMS code sent for this draft: only that code confirms consent to it. No
    -- foreign key: old codes are purged (workflow::sms_codes), the consent stays.
    consent_code_id TEXT,
    village_code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Proxy cases per village (the figures) and an agent's own cases.
CREATE INDEX application_proxies_village ON application_proxies (village_code);
CREATE INDEX application_proxies_agent ON application_proxies (agent_id);
