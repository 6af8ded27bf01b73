/**
 * The objects of a schema that are its own: tables (partitioned and foreign too), views, materialized
 * views, sequences, standalone composite, enum, domain, range and base types, and functions (procedures
 * and aggregates too), leaving out every member of an extension (`CREATE EXTENSION pg_trgm` in the schema
 * adds none) and what comes with another object (a table's row type, a type's array, a range type's
 * constructors and multirange: pg_depend's internal dependencies).
 * `$1` is the schema's name; each row is one object, described as `<kind> <schema>.<name>`.
 */
export const OWN_OBJECTS_SQL = `
WITH attached AS (SELECT classid, objid FROM pg_depend WHERE deptype IN ('e', 'i'))
SELECT description FROM (
  SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'f' THEN 'foreign table' WHEN 'v' THEN 'view'
           WHEN 'm' THEN 'materialized view' ELSE 'sequence' END || ' ' || format('%I.%I', n.nspname, c.relname) AS description
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
     AND (c.oid, 'pg_class'::regclass) NOT IN (SELECT objid, classid FROM attached)
  UNION ALL
  SELECT 'type ' || format('%I.%I', n.nspname, t.typname)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname = $1 AND t.typtype IN ('b', 'c', 'e', 'd', 'r')
     AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
     AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
     AND (t.oid, 'pg_type'::regclass) NOT IN (SELECT objid, classid FROM attached)
  UNION ALL
  SELECT 'function ' || format('%I.%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = $1
     AND (p.oid, 'pg_proc'::regclass) NOT IN (SELECT objid, classid FROM attached)
) own
ORDER BY description`;
