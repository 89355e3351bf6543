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
 * the locked balances and applies all of them or none. A group's result is
 * JSON: `{ "items": [...] }` or `{ "error": … }`. `0001` wrote each transfer
 * with its own statements (the debit as the no-overdraft
 * `UPDATE … WHERE credits_posted - debits_posted >= amount`); `0002` replaces
 * it with a set-based version that gives the same answers with a few
 * statements per batch.
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

/**
 * The posting function, set-based (`0002`): the batch's accounts are locked and
 * read once, every id checked against one read of `transfers` and
 * `failed_transfers`, the balances kept in arrays while the groups are checked
 * in order (a group that fails leaves them as they were), and then one insert
 * of the transfers, one of the entries (balance and version after each), one
 * update of each account and one insert of the new failures. Same answers as
 * the first version; fewer statements per transfer, so the accounts' locks
 * are held for less time. If a concurrent call took one of the ids (or
 * reversed the same transfer) since the check, nothing is written and every
 * group answers `retry`.
 */
const postFunctionSetBased = (s: string) => `
CREATE OR REPLACE FUNCTION ${s}.post_transfers(groups jsonb, posted_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
DECLARE
  a_id text[]; a_flag boolean[]; a_bal bigint[]; a_ver bigint[]; a_deb bigint[]; a_cred bigint[];
  s_bal bigint[]; s_ver bigint[]; s_deb bigint[]; s_cred bigint[]; s_nt int; s_ne int;
  t_id text[] := '{}'; t_debit text[] := '{}'; t_credit text[] := '{}'; t_amount bigint[] := '{}';
  t_kind text[] := '{}'; t_desc text[] := '{}'; t_rev text[] := '{}';
  e_acc text[] := '{}'; e_tid text[] := '{}'; e_cp text[] := '{}'; e_amt bigint[] := '{}';
  e_bal bigint[] := '{}'; e_ver bigint[] := '{}';
  f_id text[] := '{}';
  priors jsonb; fails jsonb; prior jsonb; diffs jsonb;
  grp jsonb; t jsonb; outcome jsonb; items jsonb; results jsonb[] := '{}';
  posted_ms float8 := (extract(epoch FROM posted_at) * 1000)::float8;
  d int; c int; i int; amt bigint; other text; inserted text[]; b_ids text[]; b_accounts text[];
BEGIN
  SELECT array_agg(tr.v->>'id'), array_agg(DISTINCT side.id)
    INTO b_ids, b_accounts
    FROM jsonb_array_elements(groups) g(v)
    CROSS JOIN LATERAL jsonb_array_elements(g.v) tr(v)
    CROSS JOIN LATERAL (VALUES (tr.v->>'debit'), (tr.v->>'credit')) side(id);
  SELECT coalesce(array_agg(l.id ORDER BY l.id), '{}'), array_agg(l.flag ORDER BY l.id),
         array_agg(l.balance ORDER BY l.id), array_agg(l.version ORDER BY l.id)
    INTO a_id, a_flag, a_bal, a_ver
    FROM (SELECT a.id, a.debits_must_not_exceed_credits AS flag, a.credits_posted - a.debits_posted AS balance, a.version
            FROM ${s}.accounts a
           WHERE a.id = ANY(b_accounts)
           ORDER BY a.id FOR NO KEY UPDATE) l;
  a_deb := array_fill(0::bigint, ARRAY[cardinality(a_id)]);
  a_cred := array_fill(0::bigint, ARRAY[cardinality(a_id)]);
  SELECT coalesce(jsonb_object_agg(p.id, jsonb_build_object(
           'debit', p.debit_account_id, 'credit', p.credit_account_id, 'amount', p.amount, 'kind', p.kind,
           'description', p.description, 'reverses', p.reverses,
           'created_at', (extract(epoch FROM p.created_at) * 1000)::float8)), '{}'::jsonb)
    INTO priors FROM ${s}.transfers p
   WHERE p.id = ANY(b_ids);
  SELECT coalesce(jsonb_object_agg(f.id, f.reason), '{}'::jsonb)
    INTO fails FROM ${s}.failed_transfers f
   WHERE f.id = ANY(b_ids);
  FOR grp IN SELECT e.v FROM jsonb_array_elements(groups) e(v) LOOP
    outcome := NULL;
    items := '[]'::jsonb;
    s_bal := a_bal; s_ver := a_ver; s_deb := a_deb; s_cred := a_cred;
    s_nt := cardinality(t_id); s_ne := cardinality(e_acc);
    FOR t IN SELECT e.v FROM jsonb_array_elements(grp) e(v) LOOP
      amt := (t->>'amount')::bigint;
      prior := priors->(t->>'id');
      IF prior IS NULL THEN
        -- Posted by an earlier group of this call?
        i := array_position(t_id, t->>'id');
        IF i <= s_nt THEN
          prior := jsonb_build_object(
            'debit', t_debit[i], 'credit', t_credit[i], 'amount', t_amount[i], 'kind', t_kind[i],
            'description', t_desc[i], 'reverses', t_rev[i], 'created_at', posted_ms);
        END IF;
      END IF;
      IF prior IS NOT NULL THEN
        diffs := '[]'::jsonb;
        IF prior->>'debit' <> t->>'debit' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'debit_account_id', 'existing', prior->>'debit', 'requested', t->>'debit'));
        END IF;
        IF prior->>'credit' <> t->>'credit' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'credit_account_id', 'existing', prior->>'credit', 'requested', t->>'credit'));
        END IF;
        IF (prior->>'amount')::bigint <> amt THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'amount', 'existing', prior->>'amount', 'requested', amt::text));
        END IF;
        IF prior->>'kind' <> t->>'kind' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'kind', 'existing', prior->>'kind', 'requested', t->>'kind'));
        END IF;
        IF prior->>'description' <> t->>'description' THEN
          diffs := diffs || jsonb_build_array(jsonb_build_object('field', 'description', 'existing', prior->>'description', 'requested', t->>'description'));
        END IF;
        IF jsonb_array_length(diffs) > 0 THEN
          outcome := jsonb_build_object('error', 'conflict', 'transfer_id', t->>'id', 'differences', diffs);
          EXIT;
        END IF;
        items := items || jsonb_build_array(jsonb_build_object(
          'tag', 'exists', 'reverses', prior->'reverses', 'created_at', prior->'created_at'));
        CONTINUE;
      END IF;
      other := fails->>(t->>'id');
      IF other IS NOT NULL THEN
        outcome := jsonb_build_object('error', 'already_failed', 'transfer_id', t->>'id', 'reason', other);
        EXIT;
      END IF;
      d := array_position(a_id, t->>'debit');
      IF d IS NULL THEN
        outcome := jsonb_build_object('error', 'account_not_found', 'account_id', t->>'debit');
        EXIT;
      END IF;
      c := array_position(a_id, t->>'credit');
      IF c IS NULL THEN
        outcome := jsonb_build_object('error', 'account_not_found', 'account_id', t->>'credit');
        EXIT;
      END IF;
      IF t->>'reverses' IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM ${s}.transfers WHERE id = t->>'reverses')
           AND array_position(t_id[1:s_nt], t->>'reverses') IS NULL THEN
          outcome := jsonb_build_object('error', 'transfer_not_found', 'transfer_id', t->>'reverses');
          EXIT;
        END IF;
        other := NULL;
        SELECT id INTO other FROM ${s}.transfers WHERE reverses = t->>'reverses';
        IF other IS NULL THEN
          i := array_position(t_rev, t->>'reverses');
          IF i IS NOT NULL THEN other := t_id[i]; END IF;
        END IF;
        IF other IS NOT NULL THEN
          outcome := jsonb_build_object('error', 'already_reversed', 'transfer_id', t->>'reverses', 'reversal_id', other);
          EXIT;
        END IF;
      END IF;
      IF a_flag[d] AND a_bal[d] < amt THEN
        f_id := f_id || (t->>'id');
        fails := fails || jsonb_build_object(t->>'id', 'exceeds_credits');
        outcome := jsonb_build_object('error', 'exceeds_credits', 'transfer_id', t->>'id',
          'account_id', t->>'debit', 'balance', a_bal[d], 'amount', amt);
        EXIT;
      END IF;
      a_bal[d] := a_bal[d] - amt; a_ver[d] := a_ver[d] + 1; a_deb[d] := a_deb[d] + amt;
      e_acc := e_acc || (t->>'debit'); e_tid := e_tid || (t->>'id'); e_cp := e_cp || (t->>'credit');
      e_amt := e_amt || (-amt); e_bal := e_bal || a_bal[d]; e_ver := e_ver || a_ver[d];
      a_bal[c] := a_bal[c] + amt; a_ver[c] := a_ver[c] + 1; a_cred[c] := a_cred[c] + amt;
      e_acc := e_acc || (t->>'credit'); e_tid := e_tid || (t->>'id'); e_cp := e_cp || (t->>'debit');
      e_amt := e_amt || amt; e_bal := e_bal || a_bal[c]; e_ver := e_ver || a_ver[c];
      t_id := t_id || (t->>'id'); t_debit := t_debit || (t->>'debit'); t_credit := t_credit || (t->>'credit');
      t_amount := t_amount || amt; t_kind := t_kind || (t->>'kind'); t_desc := t_desc || (t->>'description');
      t_rev := array_append(t_rev, t->>'reverses');
      items := items || jsonb_build_array(jsonb_build_object(
        'tag', 'created', 'created_at', posted_ms, 'debit_balance', a_bal[d]));
    END LOOP;
    IF outcome IS NOT NULL THEN
      a_bal := s_bal; a_ver := s_ver; a_deb := s_deb; a_cred := s_cred;
      t_id := t_id[1:s_nt]; t_debit := t_debit[1:s_nt]; t_credit := t_credit[1:s_nt];
      t_amount := t_amount[1:s_nt]; t_kind := t_kind[1:s_nt]; t_desc := t_desc[1:s_nt]; t_rev := t_rev[1:s_nt];
      e_acc := e_acc[1:s_ne]; e_tid := e_tid[1:s_ne]; e_cp := e_cp[1:s_ne];
      e_amt := e_amt[1:s_ne]; e_bal := e_bal[1:s_ne]; e_ver := e_ver[1:s_ne];
    END IF;
    results := array_append(results, coalesce(outcome, jsonb_build_object('items', items)));
  END LOOP;
  IF cardinality(t_id) > 0 THEN
    WITH ins AS (
      INSERT INTO ${s}.transfers (id, debit_account_id, credit_account_id, amount, kind, description, reverses, created_at)
      SELECT x.id, x.debit, x.credit, x.amount, x.kind, x.description, x.reverses, posted_at
        FROM unnest(t_id, t_debit, t_credit, t_amount, t_kind, t_desc, t_rev) WITH ORDINALITY
             x(id, debit, credit, amount, kind, description, reverses, n)
       ORDER BY x.n
      ON CONFLICT DO NOTHING RETURNING id)
    SELECT coalesce(array_agg(id), '{}') INTO inserted FROM ins;
    IF cardinality(inserted) < cardinality(t_id) THEN
      DELETE FROM ${s}.transfers WHERE id = ANY(inserted);
      RETURN (SELECT jsonb_agg(jsonb_build_object('error', 'retry')) FROM jsonb_array_elements(groups));
    END IF;
    INSERT INTO ${s}.entries (account_id, transfer_id, counterparty_id, amount, balance_after, account_version, created_at)
    SELECT x.account_id, x.transfer_id, x.counterparty_id, x.amount, x.balance_after, x.version, posted_at
      FROM unnest(e_acc, e_tid, e_cp, e_amt, e_bal, e_ver) WITH ORDINALITY
           x(account_id, transfer_id, counterparty_id, amount, balance_after, version, n)
     ORDER BY x.n;
    UPDATE ${s}.accounts a
       SET debits_posted = a.debits_posted + x.debits, credits_posted = a.credits_posted + x.credits, version = x.version
      FROM unnest(a_id, a_deb, a_cred, a_ver) x(id, debits, credits, version)
     WHERE a.id = x.id AND (x.debits <> 0 OR x.credits <> 0);
  END IF;
  IF cardinality(f_id) > 0 THEN
    INSERT INTO ${s}.failed_transfers (id, reason, failed_at)
    SELECT x.id, 'exceeds_credits', posted_at FROM unnest(f_id) x(id) ON CONFLICT (id) DO NOTHING;
  END IF;
  RETURN to_jsonb(results);
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
  return {
    domain: "ledger",
    schema,
    migrations: {
      "0001_initial": initial(schema),
      "0002_set_based_posting": Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe(postFunctionSetBased(schema))
      )
    }
  }
}
