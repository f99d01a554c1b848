-- One row per creator ever seen in a /creators snapshot: its latest known attributes. Creators
-- are an opt-in endpoint: without extracted partitions this table is empty.
{{ config(replace_key='creator_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'creator_id', 'name', 'slug', 'games_count', 'image', 'image_background', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__creators') }}
),

{{ latest_state('observations', 'creator_id', columns, 'games_count desc nulls last, name nulls last, slug nulls last') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final
