import type { Kysely } from 'kysely';

/** The statuses of 2001's CHECK on incidents.status. */
export const INCIDENT_STATUSES = ['new', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** PostgreSQL returns timestamptz as Date, SQLite stores ISO text. */
type Timestamp = Date | string;

/** `incidents` (2001), scoped by tenant and status since 2003. */
export interface IncidentsTable {
  id: string;
  tenant_id: string;
  organization_id: string | null;
  number: string;
  title: string;
  description: string | null;
  status: IncidentStatus;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  priority: number;
  source: string;
  assigned_team_id: string | null;
  assignee_id: string | null;
  reporter_id: string | null;
  external_ref: string | null;
  acknowledged_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The tables the Tenant Plane's routes query (the schema has many more). */
export interface TenantDatabase {
  incidents: IncidentsTable;
}

export type TenantDb = Kysely<TenantDatabase>;
