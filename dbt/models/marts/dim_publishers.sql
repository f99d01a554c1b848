-- One row per publisher ever seen in a /publishers snapshot: its latest known attributes. Publishers
-- are an opt-in endpoint: without extracted partitions this table is empty.
{{ config(replace_key='publisher_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'publisher_id', 'name', 'slug', 'games_count', 'image_background', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__publishers') }}
),

{{ latest_state('observations', 'publisher_id', columns, 'games_count desc, name, slug') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final
