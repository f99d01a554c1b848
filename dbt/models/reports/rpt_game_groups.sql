-- One row per game per group it belongs to in its latest state (dim_games' run_date), by
-- breakdown: genre, parent_platform (PC, PlayStation, ...: a game on PS4 and PS5 is in
-- PlayStation once), developer and publisher (the game's latest detail, game_details). The
-- report's other views join it to count distinct games per group.
with

genres as (
    select bridge.game_id, 'genre' as breakdown, genres.genre_id as group_id, genres.name as group_name
    from {{ ref('bridge_game_genres') }} as bridge
    inner join {{ ref('dim_genres') }} as genres
        on bridge.genre_id = genres.genre_id
),

platforms as (
    select distinct
        bridge.game_id,
        'parent_platform' as breakdown,
        cast(null as bigint) as group_id,
        {{ rpt_parent_platform('platforms.slug', 'platforms.name') }} as group_name
    from {{ ref('bridge_game_platforms') }} as bridge
    inner join {{ ref('dim_platforms') }} as platforms
        on bridge.platform_id = platforms.platform_id
),

developers as (
    select bridge.game_id, 'developer' as breakdown, companies.developer_id as group_id, companies.name as group_name
    from {{ ref('bridge_game_developers') }} as bridge
    inner join {{ ref('dim_developers') }} as companies
        on bridge.developer_id = companies.developer_id
),

publishers as (
    select bridge.game_id, 'publisher' as breakdown, companies.publisher_id as group_id, companies.name as group_name
    from {{ ref('bridge_game_publishers') }} as bridge
    inner join {{ ref('dim_publishers') }} as companies
        on bridge.publisher_id = companies.publisher_id
),

final as (
    select game_id, breakdown, group_id, group_name from genres
    union all
    select game_id, breakdown, group_id, group_name from platforms
    union all
    select game_id, breakdown, group_id, group_name from developers
    union all
    select game_id, breakdown, group_id, group_name from publishers
)

select * from final
