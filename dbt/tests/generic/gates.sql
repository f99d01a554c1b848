{#- Every row-level rule of one model in one data test: one query, one dbt node, instead of one
    node per rule (a day's build ran 230 tests; dbt's per-node cost made them a third of it).
    Returns one row per rule broken: `gate` (the rule), `columns`, `failing_rows` (how many
    rows break it); none = pass. `dbt show --select gates_<model>` lists them.

    Each rule means what dbt's test of the same name means:
      not_null: [col, ...]               the column is never null
      unique: [col, [col, col], ...]     a column: no two rows share a non-null value (dbt's
                                         `unique`); a list: no two rows share the combination
                                         (nulls count as a value, like unique_combination)
      accepted_values: {col: [v, ...]}   every non-null value is one of these
      relationships: {col: ref('m')}     every non-null value is in m's column of the same name
      at_least: {col: minimum}           no value below minimum (nulls pass)
    `model` is filtered to the run_dates being built where that is equivalent
    (macros/get_where_subquery.sql); the model a relationship points to never is.
    tests/warehouse/gates.txt lists every gate; tests/warehouse/test_gates.py keeps them all. -#}
{% test gates(model, not_null=[], unique=[], accepted_values={}, relationships={}, at_least={}) %}
    {%- set checks = [] -%}
    {%- for column in not_null -%}
        {%- do checks.append(('not_null', column,
            'select count(*) from tested where ' ~ column ~ ' is null')) -%}
    {%- endfor -%}
    {%- for key in unique -%}
        {%- if key is string -%}
            {%- do checks.append(('unique', key,
                'select coalesce(sum(n), 0) from (select count(*) as n from tested where '
                ~ key ~ ' is not null group by ' ~ key ~ ' having count(*) > 1) as shared')) -%}
        {%- else -%}
            {%- do checks.append(('unique', key | join(','),
                'select coalesce(sum(n), 0) from (select count(*) as n from tested group by '
                ~ key | join(', ') ~ ' having count(*) > 1) as shared')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- set quoted = [] -%}
        {%- for value in values -%}
            {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
        {%- endfor -%}
        {%- do checks.append(('accepted_values', column,
            'select count(*) from tested where ' ~ column ~ ' not in (' ~ quoted | join(', ') ~ ')')) -%}
    {%- endfor -%}
    {%- for column, parent in relationships.items() -%}
        {%- do checks.append(('relationships', column,
            'select count(*) from tested where ' ~ column ~ ' is not null and not exists '
            ~ '(select 1 from ' ~ parent ~ ' as parent where parent.' ~ column ~ ' = tested.'
            ~ column ~ ')')) -%}
    {%- endfor -%}
    {%- for column, minimum in at_least.items() -%}
        {%- do checks.append(('at_least', column,
            'select count(*) from tested where ' ~ column ~ ' < ' ~ minimum)) -%}
    {%- endfor -%}
    {%- if checks | length == 0 -%}
        {{ exceptions.raise_compiler_error("a gates test names no rule") }}
    {%- endif %}

with tested as (
    select * from {{ model }}
),

gates as (
    {%- for gate, columns, failing in checks %}
    select '{{ gate }}' as gate, '{{ columns }}' as columns, ({{ failing }}) as failing_rows
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select gate, columns, failing_rows
from gates
where failing_rows > 0

{% endtest %}
