-- 2008 add_ai_feedback (SQLite)
-- Thumbs up/down, ratings and corrections that users give on AI responses
-- (chat answers, incident summaries, root-cause analyses, suggested
-- runbooks). Feeds model evaluation and prompt tuning, so it records which
-- model and prompt version produced the rated response.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS ai_feedback (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    feature         TEXT NOT NULL
                    CHECK (feature IN ('chat', 'incident_summary', 'root_cause_analysis', 'runbook_suggestion',
                                       'triage', 'workflow_generation', 'search', 'other')),
    conversation_id TEXT,
    -- Id assigned to the response by the AI gateway. Text, because the format
    -- is the gateway's, not ours.
    response_id     TEXT NOT NULL,
    incident_id     TEXT REFERENCES incidents (id) ON DELETE SET NULL,
    rating          TEXT NOT NULL CHECK (rating IN ('positive', 'negative', 'neutral')),
    -- Optional finer-grained score from the detailed feedback form.
    score           INTEGER CHECK (score BETWEEN 1 AND 5),
    -- Reason tags picked by the user, e.g. ["inaccurate", "unsafe"].
    reasons         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons) AND json_type(reasons) = 'array'),
    comment         TEXT,
    -- What the answer should have been. Becomes evaluation data.
    correction      TEXT,
    model           TEXT,
    prompt_version  TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A user has one opinion per response: changing it updates the row.
CREATE UNIQUE INDEX IF NOT EXISTS uq_ai_feedback_tenant_response_user ON ai_feedback (tenant_id, response_id, user_id);
CREATE INDEX IF NOT EXISTS idx_ai_feedback_tenant_feature_created ON ai_feedback (tenant_id, feature, created_at);
CREATE INDEX IF NOT EXISTS idx_ai_feedback_incident_id ON ai_feedback (incident_id);
