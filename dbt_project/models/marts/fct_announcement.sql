select
    announcement_id,
    source_id,
    post_id,
    institution_id,
    title,
    url,
    department,
    category_hint,
    posted_date,
    apply_start,
    apply_end,
    first_seen_at,
    last_seen_at
from {{ ref('stg_boards__announcements') }}
