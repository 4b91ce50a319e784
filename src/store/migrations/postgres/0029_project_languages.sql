-- A project's languages (Phrase TMS projects have them): the source language of its documents and the
-- target languages its jobs are created in. Both optional; an empty list means any target language.
ALTER TABLE projects ADD COLUMN source_language TEXT;
ALTER TABLE projects ADD COLUMN target_languages JSONB NOT NULL DEFAULT '[]';
