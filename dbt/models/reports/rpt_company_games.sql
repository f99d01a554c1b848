-- One row per run_date per game updated that day per company behind it (its developers and
-- publishers as of the game's latest detail): the game's `added` that day. Games without a
-- detail yet have no rows.
with

snapshots as (
    select game_id, run_date, added
    from {{ ref('fct_game_daily_snapshot') }}
),

developers as (
    select
        bridge.game_id,
        'developer' as company_role,
        bridge.developer_id as company_id,
        companies.name as company_name
    from {{ ref('bridge_game_developers') }} as bridge
    inner join {{ ref('dim_developers') }} as companies
        on bridge.developer_id = companies.developer_id
),

publishers as (
    select
        bridge.game_id,
        'publisher' as company_role,
        bridge.publisher_id as company_id,
        companies.name as company_name
    from {{ ref('bridge_game_publishers') }} as bridge
    inner join {{ ref('dim_publishers') }} as companies
        on bridge.publisher_id = companies.publisher_id
),

companies as (
    select game_id, company_role, company_id, company_name from developers
    union all
    select game_id, company_role, company_id, company_name from publishers
),

final as (
    select
        snapshots.run_date,
        snapshots.game_id,
        companies.company_role,
        companies.company_id,
        companies.company_name,
        snapshots.added
    from snapshots
    inner join companies
        on snapshots.game_id = companies.game_id
)

select * from final
