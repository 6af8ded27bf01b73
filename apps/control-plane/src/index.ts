// What tests and tools import: the app factory, the configuration and the table types.
export { createApp, type ControlDeps } from './app.js';
export { controlService, DEFAULT_DATA_DIR, DEFAULT_ENV_FILE, loadConfig } from './config.js';
export { LEAD_STATUSES, type BillingInvoicesTable, type ControlDatabase, type ControlDb, type LeadStatus, type SignupLeadsTable } from './db.js';
export { INVOICES_REQUIRE } from './routes/invoices.js';
export { LEADS_REQUIRE } from './routes/leads.js';
