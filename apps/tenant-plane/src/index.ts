// What tests and tools import: the app factory, the configuration and the table types.
export { createApp, type TenantDeps } from './app.js';
export { DEFAULT_DATA_DIR, DEFAULT_ENV_FILE, loadConfig, tenantService } from './config.js';
export { INCIDENT_STATUSES, type IncidentStatus, type IncidentsTable, type TenantDatabase, type TenantDb } from './db.js';
export { INCIDENTS_REQUIRE } from './routes/incidents.js';
