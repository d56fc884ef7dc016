-- An image's secrets (evidence redacted) and failed image checks, sent by
-- the agent with the image's SBOM and replaced as a whole per image. The
-- dashboard's Image page shows them. Numbered 00070 to leave room before it.

-- +goose Up
CREATE TABLE image_issues (
    image_digest TEXT NOT NULL REFERENCES images (digest) ON DELETE CASCADE,
    kind         TEXT NOT NULL, -- "secret" or "misconfig"
    seq          INTEGER NOT NULL,
    rule_id      TEXT NOT NULL,
    severity     TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    path         TEXT NOT NULL DEFAULT '',
    line         INTEGER NOT NULL DEFAULT 0,
    layer        TEXT NOT NULL DEFAULT '',
    evidence     TEXT NOT NULL DEFAULT '',
    fix          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (image_digest, kind, seq)
);

-- +goose Down
DROP TABLE image_issues;
