"""Every number the walking program's rules use, each with where it comes from.

The evidence base is ``../shared/EVIDENCE.md`` (sections cited as "EVIDENCE §n") and
``../shared/DESIGN.md``. "Unconfirmed" marks a value that could not be checked against its
source, and "project default" a value no source fixes: both are defaults to revisit with a
physiotherapist. Each value is used by name, so changing one here changes every rule that uses
it (the ladder in :mod:`.prescription` refuses values that would break its own limits).
"""

from __future__ import annotations

# -- Sources (cited by rules, instruments and education topics) ------------------------------
WHO_2020 = "WHO guidelines on physical activity and sedentary behaviour (2020)"
WALKBACK = "Pocovi et al., Lancet 2024;404:134-144 (WalkBack trial)"
SELFBACK = "Sandal et al., JAMA Intern Med 2021;181:1288-1296 (selfBACK trial)"
BACK2ACTIVITY = "McDonough et al., BMC Musculoskelet Disord 2010 (Back 2 Activity)"
HUNT = "HUNT cohort, JAMA Netw Open 2025 (11,194 adults with accelerometers)"
CADENCE_ADULTS = "Tudor-Locke et al., IJBNPA 2019;16:8 (CADENCE-Adults)"
ACSM = "ACSM guidance on progression for beginners (edition unconfirmed)"
PAIN_MONITORING = "Thomee 1997, pain-monitoring model"
PSFS_SOURCE = "Stratford et al. 1995, Patient-Specific Functional Scale"
NICE_NG59 = "NICE guideline NG59, low back pain and sciatica (red flags)"
CAUDA_EQUINA_CARDS = "GIRFT / BACKES cauda equina symptom cards"
DESIGN_DOC = "BackStride DESIGN.md (the evidence the program encodes)"

# -- Dose: what the program builds to ---------------------------------------------------------
#: Weekly minutes of moderate walking the program builds to. WHO 2020: 150-300 min/week of
#: moderate activity; DESIGN.md: "at least 30 minutes ... on most days (150 min/week)".
TARGET_WEEKLY_MINUTES = 150
#: Walking days a week at the full dose. WalkBack built up to about 30 min, 5 days a week.
TARGET_DAYS_PER_WEEK = 5
#: Minutes per walking day at the full dose (WalkBack: about 30 min; WHO 2020 / DESIGN.md).
TARGET_SESSION_MINUTES = 30
#: Fewest walking days a plan prescribes. WalkBack: at 3 months most people walked 3-5 days a
#: week; DESIGN.md: count active days, not only minutes, so even the gentlest plan has 3.
MIN_DAYS_PER_WEEK = 3
#: Beginners split a day's walking into segments this long, and a day is only given another
#: session once each session would reach it. DESIGN.md: "beginners split the daily dose into
#: segments (e.g. 3 x 10 min)"; WHO 2020 counts every bout, so segments are full-value walking.
SEGMENT_MINUTES = 10

# -- Dose: how fast it builds ------------------------------------------------------------------
#: Weekly minutes of the plan for someone who walks little or not at all now: 3 days x 10 min
#: (MIN_DAYS_PER_WEEK x SEGMENT_MINUTES, both cited above).
START_WEEKLY_MINUTES = MIN_DAYS_PER_WEEK * SEGMENT_MINUTES
#: Weekly minutes added by one step up the build. ACSM (unconfirmed): beginners add about
#: 5-10 min every 1-2 weeks. No trial publishes a formula (WalkBack's physiotherapists set it
#: person by person and reached the full dose within about 6 months), so this is a project
#: default: 8 min a week takes a beginner from 30 to 150 min/week in 15 steps (full dose in
#: week 16, the slow end of the 8-16 weeks asked for), and someone who already walks 90
#: min/week there in about 8 weeks.
BUILD_STEP_MINUTES = 8
#: The most a week's planned minutes may exceed the week before's. ACSM's upper end of 10 min
#: (unconfirmed), applied to the whole week rather than to each session, which is stricter.
#: The build step stays below it; property tests check every sequence of plans against it.
MAX_WEEKLY_INCREASE_MINUTES = 10
#: The most any one session may lengthen from one week to the next (ACSM: 5-10 min, upper end,
#: unconfirmed).
MAX_SESSION_INCREASE_MINUTES = 10

# -- Intensity ----------------------------------------------------------------------------------
#: Moderate intensity (about 3 METs) from cadence, ages 21-85 (CADENCE-Adults, EVIDENCE §2).
MODERATE_CADENCE_SPM = 100
#: Vigorous intensity (about 6 METs) from cadence (CADENCE-Adults, EVIDENCE §2); the upper end
#: of the brisk intervals.
VIGOROUS_CADENCE_SPM = 130

# -- Quality once the volume holds (DESIGN.md: brisk intervals, then inclines and terrain) ----
#: Brisk-interval steps as (repeats, minutes each). DESIGN.md: "brisk intervals (e.g. 1-3 min
#: faster walking)"; the counts are a project default (unconfirmed), chosen so that warm-up,
#: intervals and easy walking between them fit in one 30-min session.
BRISK_STEPS: tuple[tuple[int, int], ...] = ((3, 1), (4, 2), (5, 3))
#: Easy walking between brisk intervals, in minutes (project default, unconfirmed).
BRISK_EASY_MINUTES = 2
#: Easy walking before the first brisk interval, in minutes (project default, unconfirmed).
WARM_UP_MINUTES = 5
#: Sessions a week with brisk intervals; the others stay at moderate pace so harder days are
#: not back to back (project default, unconfirmed).
BRISK_SESSIONS_PER_WEEK = 2
#: Sessions a week with a gentle incline or varied terrain, one step after the other, after the
#: brisk steps (DESIGN.md order: duration, then brisk intervals, then inclines and terrain;
#: the counts are a project default, unconfirmed).
TERRAIN_SESSIONS_STEPS: tuple[int, ...] = (1, 2)

# -- Core exercises ---------------------------------------------------------------------------
#: Core sessions a week in the first stages. WHO 2020: muscle strengthening on 2 or more days;
#: DESIGN.md: core work 2-3 times a week.
CORE_DAYS_EARLY = 2
#: Core sessions a week from CORE_THREE_DAYS_FROM_STAGE on (DESIGN.md: 2-3 times a week).
CORE_DAYS_LATER = 3
#: First core stage with three sessions a week (project default).
CORE_THREE_DAYS_FROM_STAGE = 2

# -- Weekly review ----------------------------------------------------------------------------
#: A day counts as an active walking day from this many minutes (the shortest planned session
#: if shorter). The exercise vital sign asks about days of at least 10 minutes (EVIDENCE §6);
#: the same as SEGMENT_MINUTES.
ACTIVE_DAY_MIN_MINUTES = 10
#: Share of the planned minutes (and of each session) that counts as "done": selfBACK adapted
#: each week's goal from whether last week's was met; 0.9 lets a walk cut a few minutes short,
#: or measured time that leaves out pauses, still count (project default, unconfirmed).
GOAL_MET_SHARE = 0.9
#: Below this share of the planned minutes a week counts as missed and the plan restarts
#: gently ("little or nothing done"; project default, unconfirmed: WalkBack handled lapses by
#: coaching, with no published rule).
MISSED_WEEK_SHARE = 0.5
#: Rest days in a row that five evenly spread walking days never exceed (5 of 7 days, the
#: WalkBack target); longer gaps lower the consistency score (DESIGN.md: regular days beat
#: sporadic long walks).
MAX_REST_GAP_DAYS = 2

# -- Pain, flares and function ----------------------------------------------------------------
#: A flare: daily pain at least this many points above the personal baseline (pain-monitoring
#: model proposal, EVIDENCE §3; about 2 points is a meaningful change on the 0-10 scale,
#: unconfirmed source).
FLARE_RISE_POINTS = 2
#: ... lasting at least this many days in a row (pain-monitoring model proposal, EVIDENCE §3).
FLARE_MIN_DAYS = 2
#: Pain during or right after walking up to this is acceptable if it settles by the next
#: morning (pain-monitoring model, EVIDENCE §3); above it the plan does not move up.
ACCEPTABLE_WALKING_PAIN = 5
#: Levels a flare steps the plan back; a repeated flare steps back REPEATED_FLARE_REGRESS_LEVELS
#: (EVIDENCE §3: a flare "regresses the plan 1-2 steps").
FLARE_REGRESS_LEVELS = 1
#: See FLARE_REGRESS_LEVELS.
REPEATED_FLARE_REGRESS_LEVELS = 2
#: This many flares within REPEATED_FLARE_WINDOW_WEEKS weeks (counting the week reviewed) add
#: the advice to see a clinician (project default, unconfirmed: "repeated flares suggest seeing
#: a clinician", issue 3).
REPEATED_FLARES = 2
#: See REPEATED_FLARES.
REPEATED_FLARE_WINDOW_WEEKS = 4
#: Smallest change in the PSFS mean beyond measurement error (Stratford et al. 1995, EVIDENCE §3).
PSFS_MDC_MEAN = 2.0
#: Smallest change in one PSFS activity beyond measurement error (Stratford et al. 1995).
PSFS_MDC_ITEM = 3.0

# -- Baseline ---------------------------------------------------------------------------------
#: Days of measured walks, before "today", that set the walking baseline when walks are given
#: (project default: two weeks average out one unusual week; the pain question also looks back
#: over a whole week).
BASELINE_WINDOW_DAYS = 14
