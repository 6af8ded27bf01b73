-- 2008 add_ai_feedback
-- Thumbs up/down, ratings and corrections that users give on AI responses
-- (chat answers, incident summaries, root-cause analyses, suggested
-- runbooks). Feeds model evaluation and prompt tuning, so it records which
-- model and prompt version produced the rated response.

CREATE TABLE IF NOT EXISTS ai_feedback (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    user_id         uuid NOT NULL,
    feature         text NOT NULL
                    CHECK (feature IN ('chat', 'incident_summary', 'root_cause_analysis', 'runbook_suggestion',
                                       'triage', 'workflow_generation', 'search', 'other')),
    conversation_id uuid,
    -- Id assigned to the response by the AI gateway. Text, because the format
    -- is the gateway's, not ours.
    response_id     text NOT NULL,
    incident_id     uuid REFERENCES incidents (id) ON DELETE SET NULL,
    rating          text NOT NULL CHECK (rating IN ('positive', 'negative', 'neutral')),
    -- Optional finer-grained score from the detailed feedback form.
    score           smallint CHECK (score BETWEEN 1 AND 5),
    -- Reason tags picked by the user, e.g. ["inaccurate", "unsafe"].
    reasons         jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(reasons) = 'array'),
    comment         text,
    -- What the answer should have been. Becomes evaluation data.
    correction      text,
    model           text,
    prompt_version  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A user has one opinion per response: changing it updates the row.
CREATE UNIQUE INDEX IF NOT EXISTS uq_ai_feedback_tenant_response_user ON ai_feedback (tenant_id, response_id, user_id);
CREATE INDEX IF NOT EXISTS idx_ai_feedback_tenant_feature_created ON ai_feedback (tenant_id, feature, created_at);
CREATE INDEX IF NOT EXISTS idx_ai_feedback_incident_id ON ai_feedback (incident_id);
