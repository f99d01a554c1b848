{#- Incremental strategy `run_date_replace`: replace the rows of the run_dates being built.

    Deletes from the target every row that the new batch supersedes, then inserts the batch,
    all in one transaction (docs/snowflake.md#what-is-atomic-where). A row is superseded when
      - its `run_date_column` (config, default run_date) falls in the built range
        (built_range(); no range = every row), or
      - `replace_key` is set and the batch holds a row with the same key (latest-state tables:
        an entity seen again replaces its old row wherever that row came from), or
      - `replace_stale_against` names a model and that model has no row with the same
        `replace_key` whose `replace_stale_column` (default last_seen_run_date) equals the row's
        `run_date_column` (a null never matches) (bridges: rows that no longer describe the
        game's latest state, or whose game is gone).
    Each rule is its own DELETE, in forms Snowflake documents (a range predicate, correlated
    EXISTS / NOT EXISTS in WHERE; no NOT IN, no subquery under OR). The target's columns in
    the correlated subqueries are qualified by its full name, as dbt's own delete+insert does.
    Unlike delete+insert on run_date, a built day that now has no rows is still emptied.

    Transactions: DuckDB - dbt-duckdb sends the whole statement list after its own BEGIN and
    commits at the end of the model (a failure rolls back). Snowflake (and its emulator) - the
    list is wrapped as dbt-snowflake wraps its own DML (snowflake_dml_explicit_transaction),
    after `alter session set transaction_abort_on_error = true`, so a failed statement aborts
    the transaction; the batch table is created before `begin` (DDL commits implicitly).

    TEST-ONLY hook: GMP_TEST_FAIL_INSERT_INTO=<model>[,<model>...] (read at execution time)
    makes the INSERT of those models fail (a cast of a non-number string to integer, evaluated
    for each batch row: the batch must hold rows), after the DELETEs ran. The tests use it to
    prove that a failed build leaves the target as it was. Never set it in production. -#}

{% macro get_incremental_run_date_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set unique_key = config.get('replace_key') -%}
    {%- set keys = [unique_key] if unique_key is string else (unique_key or []) -%}
    {%- set range_column = config.get('run_date_column', 'run_date') -%}
    {%- set stale_against = config.get('replace_stale_against') -%}
    {%- set stale_column = config.get('replace_stale_column', 'last_seen_run_date') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set statements = [] -%}

    {%- set delete_built_range -%}
    delete from {{ target }}
    where {{ in_built_range(range_column) }}
    {%- endset -%}
    {%- do statements.append(delete_built_range) -%}

    {%- if keys -%}
        {%- set delete_seen_again -%}
    delete from {{ target }}
    where exists (
        select 1 from {{ batch }} as batch
        where {% for key in keys %}batch.{{ key }} = {{ target }}.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
    )
        {%- endset -%}
        {%- do statements.append(delete_seen_again) -%}
    {%- endif -%}

    {%- if stale_against -%}
        {%- set delete_stale -%}
    delete from {{ target }}
    where not exists (
        select 1 from {{ ref(stale_against) }} as state
        where {% for key in keys %}state.{{ key }} = {{ target }}.{{ key }} and {% endfor -%}
            state.{{ stale_column }} = {{ target }}.{{ range_column }}
    )
        {%- endset -%}
        {%- do statements.append(delete_stale) -%}
    {%- endif -%}

    {%- set insert_batch -%}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }}
    {%- if model.name in run_date_replace_failing_models() %}
    where cast('GMP_TEST_FAIL_INSERT_INTO' as integer) = 0  -- test-only hook: fails the insert
    {%- endif %}
    {%- endset -%}
    {%- do statements.append(insert_batch) -%}

    {{ return(adapter.dispatch('run_date_replace_transaction', 'game_market')(statements)) }}
{%- endmacro %}


{% macro run_date_replace_failing_models() -%}
    {#- TEST-ONLY: the models GMP_TEST_FAIL_INSERT_INTO names (comma-separated), at execution time. -#}
    {%- set names = env_var('GMP_TEST_FAIL_INSERT_INTO', '').split(',') -%}
    {{ return(names | map('trim') | reject('equalto', '') | list) }}
{%- endmacro %}


{% macro duckdb__run_date_replace_transaction(statements) -%}
    {#- dbt-duckdb's incremental materialization runs this after its BEGIN, commits after it. -#}
    {{ return(statements | join(';\n\n')) }}
{%- endmacro %}


{% macro snowflake__run_date_replace_transaction(statements) -%}
    {#- dbt-snowflake runs autocommit and sends each `;`-separated statement on its own: one
        explicit transaction, aborted by any failed statement. -#}
    {%- set sql -%}
    alter session set transaction_abort_on_error = true;
    {{ snowflake_dml_explicit_transaction(statements | join(';\n\n')) }}
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}
