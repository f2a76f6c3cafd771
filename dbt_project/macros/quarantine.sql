{% macro quarantine_run_id() -%}
    {#- The pipeline's run id (FEZ_RUN_ID), else the run that loaded raw last, else dbt's own. -#}
    coalesce(
        nullif('{{ env_var("FEZ_RUN_ID", "") }}', ''),
        (select run_id from raw.source_runs order by finished_at desc limit 1),
        'dbt-{{ invocation_id }}'
    )
{%- endmacro %}

{% macro quarantine_typing_failures(source_relation, rules, new_rows) %}
    {#-
        Pre-hook of a staging model: copy the raw rows it is about to read (`new_rows`, a
        condition on the raw table) that fail a typing rule into raw.quarantine, once per
        record and rule. Runs before the model, so `new_rows` sees the model's old cursor.
    -#}
    insert into raw.quarantine (source, fetch_id, record, rule, reason, run_id, quarantined_at)
    with suspects as materialized (
        {#- one pass over the new rows; each rule then looks only at the few that fail one -#}
        select *
        from {{ source_relation }} as raw_row
        where ({{ new_rows }}) and {{ typing_fails(rules) }}
    ),
    failures as (
        {% for rule in rules %}
        select
            raw_row.source,
            raw_row.fetch_id,
            cast(to_json(raw_row) as json) as record,
            '{{ rule.rule }}' as rule,
            coalesce({{ rule.reason }}, 'failed {{ rule.rule }}') as reason
        from suspects as raw_row
        where coalesce({{ rule.fails }}, false)
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    )
    select
        failures.*,
        {{ quarantine_run_id() }} as run_id,
        current_timestamp as quarantined_at
    from failures
    where not exists (
        select 1
        from raw.quarantine as seen
        where seen.source = failures.source
          and seen.rule = failures.rule
          and cast(seen.record as varchar) = cast(failures.record as varchar)
    )
{% endmacro %}

{% macro incremental_cursor(column) -%}
    {#- Rows newer than what this incremental model already holds (all rows on a full build). -#}
    {%- if is_incremental() -%}
        {{ column }} > (
            select coalesce(max(done.last_seen_at), '-infinity'::timestamptz) from {{ this }} as done
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
