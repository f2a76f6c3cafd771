{% macro monthly_changes(observations_filter) %}
    {#-
        Monthly figures from fct_indicator_observation that pass `observations_filter`, each
        with the same figure a month and a year before. Incremental: the figures seen since the
        last run, and the figures a month and a year after them (their change moved).
    -#}
    with

    monthly as (

        select *
        from {{ ref('fct_indicator_observation') }}
        where period_type = 'month' and ({{ observations_filter }})

    ),

    {% if is_incremental() %}
    changed as (

        select source_id, indicator_id, region_code, period_start
        from monthly
        where {{ incremental_cursor('last_seen_at') }}

    ),

    targets as (

        select source_id, indicator_id, region_code, period_start from changed
        union
        select source_id, indicator_id, region_code, cast(period_start + interval 1 month as date)
        from changed
        union
        select source_id, indicator_id, region_code, cast(period_start + interval 12 month as date)
        from changed

    ),

    current_figures as (

        select monthly.*
        from monthly
        semi join targets using (source_id, indicator_id, region_code, period_start)

    ),

    compared as (

        select
            current_figures.*,
            previous_month.value as value_previous_month,
            previous_year.value as value_previous_year
        from current_figures
        left join monthly as previous_month
            on previous_month.source_id = current_figures.source_id
            and previous_month.indicator_id = current_figures.indicator_id
            and previous_month.region_code = current_figures.region_code
            and previous_month.period_start = cast(current_figures.period_start - interval 1 month as date)
        left join monthly as previous_year
            on previous_year.source_id = current_figures.source_id
            and previous_year.indicator_id = current_figures.indicator_id
            and previous_year.region_code = current_figures.region_code
            and previous_year.period_start = cast(current_figures.period_start - interval 12 month as date)

    )
    {% else %}
    {#- A full build compares every figure: one sort per series beats two joins of the whole
        history with itself. The frames hold exactly the month (or year) before, or nothing. -#}
    compared as (

        select
            *,
            max(value) over (
                series range between interval 1 month preceding and interval 1 month preceding
            ) as value_previous_month,
            max(value) over (
                series range between interval 12 month preceding and interval 12 month preceding
            ) as value_previous_year
        from monthly
        window series as (
            partition by source_id, indicator_id, region_code order by period_start
        )

    )
    {% endif %}

    , rules as (

        select
            compared.*,
            {#- An indicator without a precision row keeps 6 decimals: enough for any figure,
                and no float noise (0.21000000000000796). -#}
            coalesce(precision.decimals, 6) as decimals,
            coalesce(units.quantity = 'ratio', false) as is_rate
        from compared
        left join {{ ref('indicator_precision') }} as precision
            on compared.indicator_id = precision.indicator_id
            or starts_with(compared.indicator_id, precision.indicator_id || '.')
        left join {{ ref('units') }} as units
            on compared.unit = units.unit

    )

    {#- Changes are rounded to the indicator's decimals. A rate's change is in percentage
        points (mom_change of a % figure); its change in percent would mislead, so it is null. -#}
    select
        * exclude (decimals, is_rate),
        round(value - value_previous_month, decimals) as mom_change,
        case when not is_rate then
            round(100.0 * (value - value_previous_month) / nullif(value_previous_month, 0), 2)
        end as mom_change_pct,
        round(value - value_previous_year, decimals) as yoy_change,
        case when not is_rate then
            round(100.0 * (value - value_previous_year) / nullif(value_previous_year, 0), 2)
        end as yoy_change_pct
    from rules
{% endmacro %}
