import type { Kysely } from 'kysely';

/** PostgreSQL returns timestamptz as Date, SQLite stores ISO text. */
type Timestamp = Date | string;
/** PostgreSQL returns bigint as text, SQLite as a number. */
type MinorUnits = number | string;

/** The statuses of 1007's CHECK on signup_leads.status. */
export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'demo_scheduled', 'converted', 'disqualified'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** `billing_invoices` (1002) with the 9 Razorpay columns of 1007. */
export interface BillingInvoicesTable {
  id: string;
  tenant_id: string;
  invoice_number: string;
  status: 'draft' | 'issued' | 'partially_paid' | 'paid' | 'void' | 'expired';
  currency: string;
  subtotal_minor: MinorUnits;
  amount_due_minor: MinorUnits;
  line_items: unknown;
  period_start: Timestamp | null;
  period_end: Timestamp | null;
  issued_at: Timestamp | null;
  due_at: Timestamp | null;
  notes: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  // 1007
  subscription_id: string | null;
  razorpay_invoice_id: string | null;
  razorpay_order_id: string | null;
  razorpay_payment_id: string | null;
  payment_method: string | null;
  tax_minor: MinorUnits;
  amount_paid_minor: MinorUnits;
  paid_at: Timestamp | null;
  invoice_pdf_url: string | null;
}

/** `signup_leads` (1001) with the 5 lead-management columns of 1007. */
export interface SignupLeadsTable {
  id: string;
  email: string;
  full_name: string | null;
  company_name: string | null;
  job_title: string | null;
  phone: string | null;
  country: string | null;
  message: string | null;
  converted_tenant_id: string | null;
  converted_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  // 1007
  status: LeadStatus;
  source: string | null;
  company_size: string | null;
  demo_requested_at: Timestamp | null;
  assigned_to: string | null;
}

/** The tables the Control Plane's routes query (the schema has more). */
export interface ControlDatabase {
  billing_invoices: BillingInvoicesTable;
  signup_leads: SignupLeadsTable;
}

export type ControlDb = Kysely<ControlDatabase>;
