-- OAuth2 clients: a client_id and a secret that POST /oauth/access_token (the Elastic Path compatible
-- API) exchanges for a short-lived API token with the client's scopes. As for API tokens, only the
-- SHA-256 of the 256-bit random secret is kept.
CREATE TABLE oauth_clients (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  name         TEXT NOT NULL,
  client_id    TEXT NOT NULL UNIQUE,
  secret_hash  TEXT NOT NULL,
  scopes       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  revoked_at   BIGINT
);
CREATE INDEX oauth_clients_workspace ON oauth_clients (workspace_id, created_at);
