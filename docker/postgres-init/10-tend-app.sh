#!/bin/sh
# Tend's web and worker use Tend's database as its owner, tend_app, never as the cluster's
# superuser (issue 12): a maintained database on this cluster gets least-privilege logins of its
# own, and none of them may connect to Tend's. Runs once on a new volume (docker-entrypoint-initdb.d);
# on an existing volume run it by hand: docker compose exec postgres sh /docker-entrypoint-initdb.d/10-tend-app.sh
set -eu
: "${TEND_APP_DB_PASSWORD:?set TEND_APP_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-tend}" --dbname postgres -v pw="$TEND_APP_DB_PASSWORD" <<'SQL'
select not exists (select 1 from pg_roles where rolname = 'tend_app') as missing \gset
\if :missing
create role tend_app login;
\endif
alter role tend_app with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'pw';
alter database tend owner to tend_app;
revoke connect, temporary on database tend from public;
grant connect, temporary on database tend to tend_app;
SQL
# What an earlier version created as the superuser becomes tend_app's (schemas, tables, sequences, types, functions).
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-tend}" --dbname tend -At <<'SQL' | psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-tend}" --dbname tend
select format('alter schema %I owner to tend_app;', nspname) from pg_namespace
 where nspowner = current_user::text::regrole and nspname <> 'information_schema' and nspname !~ '^pg_'
union all
select format('alter table %s owner to tend_app;', c.oid::regclass) from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relowner = current_user::text::regrole and c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
union all
select format('alter type %s owner to tend_app;', t.oid::regtype) from pg_type t join pg_namespace n on n.oid = t.typnamespace
 where t.typowner = current_user::text::regrole and t.typtype in ('e', 'd') and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
union all
select format('alter routine %s owner to tend_app;', p.oid::regprocedure) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where p.proowner = current_user::text::regrole and n.nspname <> 'information_schema' and n.nspname !~ '^pg_';
SQL
