-- One row per developer ever seen in a /developers snapshot: its latest known attributes. Developers
-- are an opt-in endpoint: without extracted partitions this table is empty.
{{ config(replace_key='developer_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'developer_id', 'name', 'slug', 'games_count', 'image_background', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__developers') }}
),

{{ latest_state('observations', 'developer_id', columns, 'games_count desc, name, slug') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final
