-- The dashboard's tables (internal/dashboard): a role per user, alert
-- acknowledgements and mutes. Numbered 00050 to leave 00002-00049 to the
-- server's own migrations.

-- +goose Up
-- role: "read" (sees everything) or "admin" (also acknowledges and mutes).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'read';

CREATE TABLE alert_acks (
    host_id  TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (host_id, alert_id),
    FOREIGN KEY (host_id, alert_id) REFERENCES alerts (host_id, id) ON DELETE CASCADE
);

-- alert_mutes hide a rule's alerts (on one host or container, or all) until
-- until_at.
CREATE TABLE alert_mutes (
    id           TEXT PRIMARY KEY,
    rule         TEXT NOT NULL,
    host_id      TEXT NOT NULL DEFAULT '',
    container_id TEXT NOT NULL DEFAULT '',
    until_at     BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX alert_mutes_rule ON alert_mutes (rule, until_at);
-- The timeline reads alerts newest first, with or without a host or rule:
-- each index gives that order without a sort.
CREATE INDEX alerts_at_key ON alerts (at, host_id, id);
CREATE INDEX alerts_rule_at ON alerts (rule, at, host_id, id);
CREATE INDEX alerts_host_at ON alerts (host_id, at, id);
-- The overview counts findings by image, severity and fix from this index.
CREATE INDEX findings_image_sev ON findings (image_digest, severity, fixed_version);
-- The last match time without reading the images' SBOMs.
CREATE INDEX images_matched ON images (matched_at);

-- +goose Down
DROP INDEX images_matched;
DROP INDEX findings_image_sev;
DROP INDEX alerts_host_at;
DROP INDEX alerts_rule_at;
DROP INDEX alerts_at_key;
DROP TABLE alert_mutes;
DROP TABLE alert_acks;
ALTER TABLE users DROP COLUMN role;
