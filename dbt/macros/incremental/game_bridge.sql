{#- Game bridges (bridge_game_*): the game's links to a taxonomy in its latest state, i.e. the
    intermediate rows of the run_date dim_games says the game was last seen on.

    games_to_bridge() emits the CTE `games_to_bridge` (game_id, last_seen_run_date): on a full
    build every game; on an incremental build the games whose latest state lies in the built
    range, plus the games whose bridge rows do not come from their latest state (their state
    moved to another day, or an earlier build stopped half-way). Games without links are in
    the second set every time; they only cost a key comparison. Use it with
    replace_key = 'game_id', run_date_column = 'last_seen_run_date' and
    replace_stale_against = 'dim_games', which also deletes rows no longer matching dim_games.

    state_column names the dim_games column that says which run_date holds the game's latest
    state: last_seen_run_date (its /games list item) by default; detail_run_date for the
    bridges from game_details (then give the strategy replace_stale_column = detail_run_date).
    Games whose state_column is null (no detail yet) have nothing to bridge. -#}

{% macro games_to_bridge(state_column='last_seen_run_date') -%}
latest_games as (
    select game_id, {{ state_column }} as last_seen_run_date
    from {{ ref('dim_games') }}
    {%- if state_column != 'last_seen_run_date' %}
    where {{ state_column }} is not null
    {%- endif %}
),
    {%- if is_incremental() %}

bridged_games as (
    select distinct game_id, last_seen_run_date from {{ this }}
),

unbridged_games as (
    select game_id, last_seen_run_date from latest_games
    except
    select game_id, last_seen_run_date from bridged_games
),

games_to_bridge as (
    select game_id, last_seen_run_date
    from latest_games
    where {{ in_built_range('last_seen_run_date') }}
    union
    select game_id, last_seen_run_date from unbridged_games
)
    {%- else %}

games_to_bridge as (
    select game_id, last_seen_run_date from latest_games
)
    {%- endif %}
{%- endmacro %}
