"""One short education topic a week, written for BackStride in its own words, with sources.

The WalkBack and selfBACK programs both paired walking with education (EVIDENCE §1); the
topics here follow the subjects they covered (pacing, flare first aid, sleep, staying active)
plus the parts of this program (intensity, posture, footwear, core work). The order is
:data:`TOPIC_ORDER`; a flare brings the flare first-aid topic (or pacing, if flare first aid
was the topic just before) and a missed week the restart topic (see
:func:`backstride.program.review.review_week`).
"""

from __future__ import annotations

from dataclasses import dataclass

from backstride.exceptions import InvalidInputError
from backstride.program.constants import (
    ACCEPTABLE_WALKING_PAIN,
    CADENCE_ADULTS,
    CAUDA_EQUINA_CARDS,
    DESIGN_DOC,
    FLARE_MIN_DAYS,
    FLARE_RISE_POINTS,
    HUNT,
    MODERATE_CADENCE_SPM,
    NICE_NG59,
    PAIN_MONITORING,
    SELFBACK,
    TARGET_DAYS_PER_WEEK,
    TARGET_SESSION_MINUTES,
    TARGET_WEEKLY_MINUTES,
    VIGOROUS_CADENCE_SPM,
    WALKBACK,
    WHO_2020,
)


@dataclass(frozen=True)
class EducationTopic:
    """A short topic for the week.

    Attributes
    ----------
    id
        Identifier (``"pacing"``).
    title
        Heading.
    text
        A few sentences in plain words.
    sources
        Citations (EVIDENCE.md / DESIGN.md).
    """

    id: str
    title: str
    text: str
    sources: tuple[str, ...]


TOPICS: tuple[EducationTopic, ...] = (
    EducationTopic(
        id="why_walking",
        title="Why walking helps your lower back",
        text=(
            "Walking moves your spine gently and over and over, and works the muscles of your "
            "trunk and hips without heavy loads. In a large trial, people who had recovered "
            "from low back pain and followed a walking program built up step by step had "
            "fewer relapses, and typically went nearly twice as long before the next one, as "
            "people who were not given the program. You need no gym and no special kit, so "
            "it is something you can keep doing for years."
        ),
        sources=(WALKBACK, HUNT),
    ),
    EducationTopic(
        id="how_the_plan_works",
        title="How your plan works",
        text=(
            "Your plan starts from what you can do now, not from the goal. Each week it looks "
            "at what you walked and how your back felt, then moves up a little, stays the "
            "same, or steps back. The goal is about "
            f"{TARGET_SESSION_MINUTES} minutes on {TARGET_DAYS_PER_WEEK} days a week "
            f"({TARGET_WEEKLY_MINUTES} minutes): the amount health guidelines recommend, and "
            "what the walking trial worked towards. Short walks count: every bout adds up."
        ),
        sources=(WHO_2020, WALKBACK),
    ),
    EducationTopic(
        id="intensity",
        title="How fast is moderate?",
        text=(
            "Moderate walking is purposeful walking: you breathe a bit harder and can talk, "
            "but you could not sing. If your device counts steps, that is about "
            f"{MODERATE_CADENCE_SPM} steps a minute for most adults; around "
            f"{VIGOROUS_CADENCE_SPM} steps a minute is vigorous. A quick check: count your "
            "steps for 15 seconds and multiply by four."
        ),
        sources=(CADENCE_ADULTS, WHO_2020),
    ),
    EducationTopic(
        id="pacing",
        title="Pacing: steady beats heroic",
        text=(
            "On a good day it is tempting to do a lot, and on a bad day nothing. Pacing means "
            "doing about the same amount each day and building it up slowly, whatever kind of "
            "day it is. Your plan does this for you: follow it on good days too, and shorten "
            "a walk rather than skip it on harder ones."
        ),
        sources=(SELFBACK, PAIN_MONITORING),
    ),
    EducationTopic(
        id="posture_mindful_walking",
        title="Walking tall, walking mindfully",
        text=(
            "Stand tall as if a string lifted the top of your head, let your shoulders drop "
            "and relax, and gently draw in your lower tummy. Let your arms swing and breathe "
            "steadily. Now and then, notice your feet on the ground and your breathing instead "
            "of your worries: attention on the walk itself makes it calmer and more enjoyable."
        ),
        sources=(DESIGN_DOC, SELFBACK),
    ),
    EducationTopic(
        id="footwear",
        title="Shoes for walking",
        text=(
            "Choose shoes that are comfortable from the first wear, hold your heel firmly, "
            "bend at the ball of the foot and have some cushioning. Leave a thumb's width in "
            "front of your longest toe. Worn-out soles or heels that lean to one side are a "
            "sign it is time for a new pair."
        ),
        sources=(DESIGN_DOC,),
    ),
    EducationTopic(
        id="core_purpose",
        title="What the core exercises are for",
        text=(
            "Glute bridges, bird-dogs and planks train the muscles around your spine and hips "
            "to hold you steady for longer. They are short and need no equipment. Health "
            "guidelines advise muscle-strengthening on two or more days a week, so together "
            "with your walks they cover both halves of the advice. Move slowly, keep "
            "breathing, and stop any exercise that causes sharp pain."
        ),
        sources=(WHO_2020, DESIGN_DOC),
    ),
    EducationTopic(
        id="flare_first_aid",
        title="First aid when your back flares",
        text=(
            "Flares are common and usually settle. Keep moving gently within what you can "
            "manage: short, easy walks rather than bed rest. Changing position often and slow, "
            "calm breathing help many people. Your plan steps back for a week so your back "
            "can settle, and it never moves up during a flare. A flare here means pain at least "
            f"{FLARE_RISE_POINTS} points above your usual level for {FLARE_MIN_DAYS} days or "
            "more. If you notice any of the warning signs from the safety check, stop and "
            "seek care."
        ),
        sources=(SELFBACK, PAIN_MONITORING),
    ),
    EducationTopic(
        id="hurt_and_harm",
        title="Hurt is not the same as harm",
        text=(
            "Some discomfort while walking is normal and does not mean you are damaging your "
            f"back. A useful guide: pain up to {ACCEPTABLE_WALKING_PAIN} out of 10 during a "
            "walk is acceptable if it has settled by the next morning and your usual level is "
            "not creeping up from week to week. If it is higher, or still worse the next day, "
            "shorten the next walks and log your pain."
        ),
        sources=(PAIN_MONITORING,),
    ),
    EducationTopic(
        id="myth_no_strength",
        title="Myth: walking does not build strength",
        text=(
            "Walking is not weightlifting, but it is not nothing. With every step the muscles "
            "of your hips, trunk and legs work to carry and steady you, thousands of times a "
            "day, and brisk intervals and hills ask more of them. That steady, repeated work is "
            "the kind of endurance a back needs for everyday life. The core exercises add the "
            "strengthening part."
        ),
        sources=(WALKBACK, WHO_2020),
    ),
    EducationTopic(
        id="little_and_often",
        title="Little and often beats once in a while",
        text=(
            "Walking on most days does more for your back than one long walk at the weekend. "
            "In a large study that measured movement with sensors, people who walked more in "
            "total had less chronic low back pain, and how much they walked mattered more than "
            "how fast. That is why your review counts your walking days, not only minutes."
        ),
        sources=(HUNT, WHO_2020),
    ),
    EducationTopic(
        id="sleep",
        title="Sleep and your back",
        text=(
            "Pain can spoil sleep, and poor sleep can make pain feel worse the next day. Keep "
            "regular times for going to bed and getting up, make your bedroom dark and cool, "
            "and try a pillow between or under your knees if lying is uncomfortable. Being "
            "active in the daytime, such as your walks, helps many people sleep better."
        ),
        sources=(SELFBACK,),
    ),
    EducationTopic(
        id="active_at_work",
        title="Staying active at work",
        text=(
            "Long spells of sitting stiffen most backs. Stand up and move for a minute or two "
            "regularly, walk to a colleague instead of messaging, and take the "
            "stairs when you can. A short walk in a break counts towards your plan: every bout "
            "of activity adds up."
        ),
        sources=(WHO_2020,),
    ),
    EducationTopic(
        id="brisk_intervals",
        title="Why add brisk intervals",
        text=(
            "Once walking for half an hour is comfortable, the next step is a little speed, "
            "not more time. A few minutes of brisk walking, with easy walking between, lifts "
            "your heart rate and works your hips and trunk harder. Brisk means faster than "
            f"your usual moderate pace, up to about {VIGOROUS_CADENCE_SPM} steps a minute; you "
            "can still speak in short phrases."
        ),
        sources=(DESIGN_DOC, CADENCE_ADULTS),
    ),
    EducationTopic(
        id="hills_and_terrain",
        title="Gentle hills and varied ground",
        text=(
            "Slopes, grass and gravel ask your trunk and hip muscles to adjust with every "
            "step, which trains balance and control. Start with a gentle slope that you can "
            "walk up while still talking; on the way down, take shorter steps. Add one such "
            "walk at a time."
        ),
        sources=(DESIGN_DOC,),
    ),
    EducationTopic(
        id="warning_signs",
        title="When to stop and seek care",
        text=(
            "Rarely, back pain comes with signs that need a doctor quickly: numbness between "
            "the legs or around the back passage, new trouble passing or holding urine, "
            "leg weakness that is getting worse, fever, weight loss without trying, or pain "
            "at night that rest does not ease. Chest pain, fainting or unusual breathlessness "
            "when active also mean stop and get help. Each weekly review asks about these."
        ),
        sources=(NICE_NG59, CAUDA_EQUINA_CARDS),
    ),
    EducationTopic(
        id="getting_back_on_track",
        title="Getting back on track after a break",
        text=(
            "Weeks get busy, people fall ill, plans slip. That is normal and nothing is lost: "
            "your plan restarts at a level you managed before. Pick the days and times that "
            "fit your week, put them in your calendar, and think about what got in the way "
            "last time and how to get round it."
        ),
        sources=(WALKBACK, SELFBACK),
    ),
    EducationTopic(
        id="keep_it_going",
        title="Keeping it going for the long run",
        text=(
            "The walking trial that cut relapses of low back pain ran for six months, and the "
            "benefit came from people making walking a habit. Link your walks to something you "
            "already do, walk with a friend or a dog, and vary your routes. The program keeps "
            "going after you reach the goal: it adds speed and hills instead of time."
        ),
        sources=(WALKBACK,),
    ),
)

#: Week-by-week order of the regular topics (the first week explains why, then how).
TOPIC_ORDER: tuple[str, ...] = (
    "why_walking",
    "how_the_plan_works",
    "intensity",
    "pacing",
    "posture_mindful_walking",
    "footwear",
    "core_purpose",
    "hurt_and_harm",
    "little_and_often",
    "myth_no_strength",
    "flare_first_aid",
    "sleep",
    "active_at_work",
    "brisk_intervals",
    "hills_and_terrain",
    "warning_signs",
    "keep_it_going",
    "getting_back_on_track",
)

_BY_ID = {topic.id: topic for topic in TOPICS}


def get_topic(topic_id: str) -> EducationTopic:
    """The topic called ``topic_id``.

    Raises
    ------
    InvalidInputError
        No such topic.
    """
    try:
        return _BY_ID[topic_id]
    except KeyError:
        raise InvalidInputError(
            f"There is no education topic called {topic_id!r}; expected one of "
            f"{', '.join(sorted(_BY_ID))}."
        ) from None


def topic_for_week(week: int) -> EducationTopic:
    """The regular topic of program week ``week`` (1-based; the order repeats)."""
    if week < 1:
        raise InvalidInputError(f"Program weeks start at 1; got week {week}.")
    return _BY_ID[TOPIC_ORDER[(week - 1) % len(TOPIC_ORDER)]]
