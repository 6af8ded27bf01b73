// Shared by the CLI's and the services' tests of URL redaction.

/** A password with a quote, a space and the other quote: no part of it may be printed. */
export const PASSWORD = `Zq"Xylo Wv'Kreb9`;

/** URLs in schemes the engine does not speak, each with the password in its userinfo. */
export const UNSUPPORTED = [
  ['postgress', `postgress://atlas:${PASSWORD}@db.internal:5432/app`, 'postgress://***@db.internal:5432/app'],
  ['mysql', `mysql://atlas:${PASSWORD}@db.internal:3306/app`, 'mysql://***@db.internal:3306/app'],
  ['jdbc:postgresql', `jdbc:postgresql://atlas:${PASSWORD}@db.internal/app`, 'jdbc:postgresql://***@db.internal/app'],
  ['postgresql+psycopg', `postgresql+psycopg://atlas:${PASSWORD}@db.internal/app?sslmode=require`, 'postgresql+psycopg://***@db.internal/app…'],
] as const;
