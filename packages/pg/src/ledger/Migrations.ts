/**
 * The ledger's tables, in its own schema (default `ledger`), and the function
 * that posts transfers. `accounts` keeps what was posted to each side, with a
 * `CHECK` that a flagged account's debits never exceed its credits (the
 * backstop); `transfers` are immutable, their id the primary key;
 * `entries` are the two sides of each transfer with the balance after them;
 * `failed_transfers` remembers ids that failed for lack of credits.
 *
 * `post_transfers(groups, posted_at)` posts a batch of groups in one call
 * (one round trip, one commit): it locks every account the batch touches in
 * id order (no deadlocks), then for each group checks every transfer against
 * the locked balances and applies all of them or none. The debit itself is the
 * no-overdraft statement: `UPDATE … WHERE credits_posted - debits_posted >= amount`.
 * A group's result is JSON: `{ "items": [...] }` or `{ "error": … }`.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { checkSchemaName, type DomainMigrations } from "../Migrations.js"

const postFunction = (s: string) => `
CREATE FUNCTION ${s}.post_transfers(groups jsonb, posted_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  grp jsonb;
  t jsonb;
  results jsonb := '[]'::jsonb;
  outcome jsonb;
  items jsonb;
  delta jsonb;
  fresh jsonb;
  diffs jsonb;
  prior record;
  debit_row record;
  amt bigint;
  bal bigint;
  other text;
  inserted text[];
  b bigint;
  v bigint;
BEGIN
  PERFORM 1 FROM ${s}.accounts
   WHERE id IN (
     SELECT side.id FROM jsonb_array_elements(groups) g(v)
     CROSS JOIN LATERAL jsonb_array_elements(g.v) tr(v)
     CROSS JOIN LATERAL (VALUES (tr.v->>'debit'), (tr.v->>'credit')) side(id))
   ORDER BY id FOR UPDATE;
  FOR grp IN SELECT e.v FROM jsonb_array_elements(groups) e(v) LOOP
    outcome := NULL;
    items := '[]'::jsonb;
    delta := '{}'::jsonb;
    fresh := '[]'::jsonb;
    FOR t IN SELECT e.v FROM jsonb_array_elements(grp) e(v) LOOP
      amt := (t->>'amount')::bigint;
      SELECT * INTO prior FROM ${s}.transfers WHERE id = t->>'id';
      IF FOUND THEN
        diffs := '[]'::jsonb;
        IF prior.debit_account_id <> t->>'debit' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'debit_account_id', 'existing', prior.debit_account_id, 'requested', t->>'debit'));
        END IF;
        IF prior.credit_account_id <> t->>'credit' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'credit_account_id', 'existing', prior.credit_account_id, 'requested', t->>'credit'));
        END IF;
        IF prior.amount <> amt THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'amount', 'existing', prior.amount::text, 'requested', amt::text));
        END IF;
        IF prior.kind <> t->>'kind' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'kind', 'existing', prior.kind, 'requested', t->>'kind'));
        END IF;
        IF prior.description <> t->>'description' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'description', 'existing', prior.description, 'requested', t->>'description'));
        END IF;
        IF jsonb_array_length(diffs) > 0 THEN
          outcome := jsonb_build_object('error', 'conflict', 'transfer_id', t->>'id', 'differences', diffs);
          EXIT;
        END IF;
        items := items || jsonb_build_array(jsonb_build_object(
          'tag', 'exists', 'reverses', prior.reverses,
          'created_at', (extract(epoch FROM prior.created_at) * 1000)::float8));
        CONTINUE;
      END IF;
      SELECT reason INTO other FROM ${s}.failed_transfers WHERE id = t->>'id';
      IF FOUND THEN
        outcome := jsonb_build_object('error', 'already_failed', 'transfer_id', t->>'id', 'reason', other);
        EXIT;
      END IF;
      SELECT debits_must_not_exceed_credits AS flagged, credits_posted - debits_posted AS balance
        INTO debit_row FROM ${s}.accounts WHERE id = t->>'debit';
      IF NOT FOUND THEN
        outcome := jsonb_build_object('error', 'account_not_found', 'account_id', t->>'debit');
        EXIT;
      END IF;
      PERFORM 1 FROM ${s}.accounts WHERE id = t->>'credit';
      IF NOT FOUND THEN
        outcome := jsonb_build_object('error', 'account_not_found', 'account_id', t->>'credit');
        EXIT;
      END IF;
      IF t->>'reverses' IS NOT NULL THEN
        PERFORM 1 FROM ${s}.transfers WHERE id = t->>'reverses';
        IF NOT FOUND THEN
          outcome := jsonb_build_object('error', 'transfer_not_found', 'transfer_id', t->>'reverses');
          EXIT;
        END IF;
        SELECT id INTO other FROM ${s}.transfers WHERE reverses = t->>'reverses';
        IF NOT FOUND THEN
          SELECT f.v->>'id' INTO other FROM jsonb_array_elements(fresh) f(v) WHERE f.v->>'reverses' = t->>'reverses';
        END IF;
        IF other IS NOT NULL THEN
          outcome := jsonb_build_object('error', 'already_reversed', 'transfer_id', t->>'reverses', 'reversal_id', other);
          EXIT;
        END IF;
      END IF;
      bal := debit_row.balance + COALESCE((delta->>(t->>'debit'))::bigint, 0);
      IF debit_row.flagged AND bal < amt THEN
        INSERT INTO ${s}.failed_transfers (id, reason, failed_at)
          VALUES (t->>'id', 'exceeds_credits', posted_at) ON CONFLICT (id) DO NOTHING;
        outcome := jsonb_build_object('error', 'exceeds_credits', 'transfer_id', t->>'id',
          'account_id', t->>'debit', 'balance', bal, 'amount', amt);
        EXIT;
      END IF;
      delta := delta
        || jsonb_build_object(t->>'debit', COALESCE((delta->>(t->>'debit'))::bigint, 0) - amt)
        || jsonb_build_object(t->>'credit', COALESCE((delta->>(t->>'credit'))::bigint, 0) + amt);
      fresh := fresh || jsonb_build_array(t);
      items := items || jsonb_build_array(jsonb_build_object(
        'tag', 'created', 'created_at', (extract(epoch FROM posted_at) * 1000)::float8));
    END LOOP;
    IF outcome IS NULL AND jsonb_array_length(fresh) > 0 THEN
      -- A concurrent batch may have taken one of these ids (or reversed the same
      -- transfer) since the check: then this group posts nothing and is retried.
      WITH ins AS (
        INSERT INTO ${s}.transfers (id, debit_account_id, credit_account_id, amount, kind, description, reverses, created_at)
        SELECT f.v->>'id', f.v->>'debit', f.v->>'credit', (f.v->>'amount')::bigint, f.v->>'kind',
               f.v->>'description', f.v->>'reverses', posted_at
        FROM jsonb_array_elements(fresh) WITH ORDINALITY f(v, n) ORDER BY n
        ON CONFLICT DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO inserted FROM ins;
      IF COALESCE(array_length(inserted, 1), 0) < jsonb_array_length(fresh) THEN
        DELETE FROM ${s}.transfers WHERE id = ANY(inserted);
        outcome := jsonb_build_object('error', 'retry');
      ELSE
        FOR t IN SELECT f.v FROM jsonb_array_elements(fresh) WITH ORDINALITY f(v, n) ORDER BY n LOOP
          amt := (t->>'amount')::bigint;
          UPDATE ${s}.accounts
             SET debits_posted = debits_posted + amt, version = version + 1
           WHERE id = t->>'debit'
             AND (NOT debits_must_not_exceed_credits OR credits_posted - debits_posted >= amt)
          RETURNING credits_posted - debits_posted, version INTO b, v;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger: the debit of % would overdraw %', t->>'id', t->>'debit';
          END IF;
          INSERT INTO ${s}.entries (account_id, transfer_id, counterparty_id, amount, balance_after, account_version, created_at)
            VALUES (t->>'debit', t->>'id', t->>'credit', -amt, b, v, posted_at);
          UPDATE ${s}.accounts
             SET credits_posted = credits_posted + amt, version = version + 1
           WHERE id = t->>'credit'
          RETURNING credits_posted - debits_posted, version INTO b, v;
          INSERT INTO ${s}.entries (account_id, transfer_id, counterparty_id, amount, balance_after, account_version, created_at)
            VALUES (t->>'credit', t->>'id', t->>'debit', amt, b, v, posted_at);
        END LOOP;
      END IF;
    END IF;
    results := results || jsonb_build_array(COALESCE(outcome, jsonb_build_object('items', items)));
  END LOOP;
  RETURN results;
END
$fn$`

const initial = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (name: string) => sql(`${schema}.${name}`)
    yield* sql`
      CREATE TABLE ${s("accounts")} (
        id text PRIMARY KEY,
        kind text NOT NULL,
        debits_must_not_exceed_credits boolean NOT NULL,
        debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
        credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
        version bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        CONSTRAINT no_overdraft CHECK (NOT debits_must_not_exceed_credits OR debits_posted <= credits_posted)
      )`
    yield* sql`
      CREATE TABLE ${s("transfers")} (
        id text PRIMARY KEY,
        debit_account_id text NOT NULL REFERENCES ${s("accounts")} (id),
        credit_account_id text NOT NULL REFERENCES ${s("accounts")} (id),
        amount bigint NOT NULL CHECK (amount > 0),
        kind text NOT NULL,
        description text NOT NULL,
        reverses text UNIQUE REFERENCES ${s("transfers")} (id),
        created_at timestamptz NOT NULL,
        CHECK (debit_account_id <> credit_account_id)
      )`
    yield* sql`
      CREATE TABLE ${s("entries")} (
        sequence bigserial PRIMARY KEY,
        account_id text NOT NULL REFERENCES ${s("accounts")} (id),
        transfer_id text NOT NULL REFERENCES ${s("transfers")} (id),
        counterparty_id text NOT NULL,
        amount bigint NOT NULL CHECK (amount <> 0),
        balance_after bigint NOT NULL,
        account_version bigint NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (account_id, account_version)
      )`
    yield* sql`CREATE INDEX entries_account_idx ON ${s("entries")} (account_id, sequence DESC)`
    yield* sql`CREATE INDEX entries_transfer_idx ON ${s("entries")} (transfer_id)`
    yield* sql`
      CREATE TABLE ${s("failed_transfers")} (
        id text PRIMARY KEY,
        reason text NOT NULL,
        failed_at timestamptz NOT NULL
      )`
    yield* sql.unsafe(postFunction(schema))
  })

/** The ledger migrations, for a schema (default `ledger`). */
export const ledgerMigrations = (options: { readonly schema?: string } = {}): DomainMigrations => {
  const schema = checkSchemaName(options.schema ?? "ledger")
  return { domain: "ledger", schema, migrations: { "0001_initial": initial(schema) } }
}
