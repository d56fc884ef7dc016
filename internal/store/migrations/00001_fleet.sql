-- One schema for SQLite and PostgreSQL: only types and statements both
-- read the same way (TEXT, BIGINT, INTEGER, composite keys, ON CONFLICT).
-- Times are Unix milliseconds (UTC); booleans are INTEGER 0/1; JSON is TEXT.

-- +goose Up
CREATE TABLE hosts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    agent_version TEXT NOT NULL DEFAULT '',
    first_seen    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL
);

CREATE TABLE containers (
    host_id      TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    image_ref    TEXT NOT NULL DEFAULT '',
    image_digest TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT '',
    ports        TEXT NOT NULL DEFAULT '[]',
    networks     TEXT NOT NULL DEFAULT '[]',
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (host_id, id)
);
CREATE INDEX containers_image ON containers (image_digest);

CREATE TABLE images (
    digest      TEXT PRIMARY KEY,
    refs        TEXT NOT NULL DEFAULT '[]',
    os          TEXT NOT NULL DEFAULT '',
    sbom        TEXT NOT NULL,
    sbom_sha256 TEXT NOT NULL,
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    matched_at  BIGINT NOT NULL DEFAULT 0,
    db_built    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE packages (
    image_digest TEXT NOT NULL REFERENCES images (digest) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    name_lower   TEXT NOT NULL,
    version      TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL DEFAULT '',
    purl         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (image_digest, seq)
);
CREATE INDEX packages_name ON packages (name_lower);

CREATE TABLE findings (
    image_digest    TEXT NOT NULL REFERENCES images (digest) ON DELETE CASCADE,
    vuln_id         TEXT NOT NULL,
    package_name    TEXT NOT NULL,
    package_version TEXT NOT NULL,
    package_type    TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL,
    fixed_version   TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL DEFAULT '',
    aliases         TEXT NOT NULL DEFAULT '[]',
    first_seen      BIGINT NOT NULL,
    PRIMARY KEY (image_digest, vuln_id, package_name, package_version)
);
CREATE INDEX findings_vuln ON findings (vuln_id);

-- vuln_aliases maps every alias (a CVE id for a GHSA or distro advisory) to
-- the advisory id findings carry, so that a search by CVE finds them all.
CREATE TABLE vuln_aliases (
    alias   TEXT NOT NULL,
    vuln_id TEXT NOT NULL,
    PRIMARY KEY (alias, vuln_id)
);

-- finding_changes records what a match or rematch changed: "new", "fixed"
-- or "severity" (old_severity -> severity).
CREATE TABLE finding_changes (
    id              TEXT PRIMARY KEY,
    at              BIGINT NOT NULL,
    image_digest    TEXT NOT NULL,
    vuln_id         TEXT NOT NULL,
    package_name    TEXT NOT NULL,
    package_version TEXT NOT NULL,
    change          TEXT NOT NULL,
    old_severity    TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX finding_changes_at ON finding_changes (at);

CREATE TABLE audit_results (
    host_id  TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    status   TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT '',
    title    TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT '',
    at       BIGINT NOT NULL,
    PRIMARY KEY (host_id, check_id)
);
CREATE INDEX audit_results_check ON audit_results (check_id, status);

CREATE TABLE alerts (
    host_id      TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    at           BIGINT NOT NULL,
    rule         TEXT NOT NULL,
    priority     TEXT NOT NULL,
    priority_num INTEGER NOT NULL,
    container_id TEXT NOT NULL DEFAULT '',
    output       TEXT NOT NULL DEFAULT '',
    fields       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (host_id, id)
);
CREATE INDEX alerts_at ON alerts (at);
CREATE INDEX alerts_container ON alerts (container_id);

-- tokens keep only the SHA-256 of the token: tokens are 256 random bits,
-- so a fast hash is enough (no dictionary to guess from). host_id binds an
-- agent token to the first host it writes.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    scope      TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    host_id    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_used  BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);

-- users keep an argon2id hash in the PHC string format.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE admin_audit (
    id       TEXT PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_audit_at ON admin_audit (at);

-- +goose Down
DROP TABLE admin_audit;
DROP TABLE users;
DROP TABLE tokens;
DROP TABLE alerts;
DROP TABLE audit_results;
DROP TABLE finding_changes;
DROP TABLE vuln_aliases;
DROP TABLE findings;
DROP TABLE packages;
DROP TABLE images;
DROP TABLE containers;
DROP TABLE hosts;
