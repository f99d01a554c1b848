-- One row per release month per platform: the games the warehouse knows (their latest state,
-- dim_games) released that month on that platform. Games without a release date are left out.
{{ config(run_date_column='release_month') }}

with

games as (
    select game_id, released_on
    from {{ ref('dim_games') }}
    where released_on is not null
),

game_platforms as (
    select game_id, platform_id
    from {{ ref('bridge_game_platforms') }}
),

platforms as (
    select platform_id, name
    from {{ ref('dim_platforms') }}
),

final as (
    select
        cast(date_trunc('month', games.released_on) as date) as release_month,
        game_platforms.platform_id,
        platforms.name as platform_name,
        count(distinct games.game_id) as games
    from games
    inner join game_platforms
        on games.game_id = game_platforms.game_id
    inner join platforms
        on game_platforms.platform_id = platforms.platform_id
    group by
        cast(date_trunc('month', games.released_on) as date),
        game_platforms.platform_id,
        platforms.name
)

select * from final
