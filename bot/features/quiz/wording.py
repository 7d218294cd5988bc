"""Headings and hints the quiz's results are shown under, in one place for every renderer."""

TOPICS_TITLE = "Topics"
TOPICS_HINT = "/quiz card <topic> for the card, /quiz question <topic> for a question"

# Card headings
SIDE_BY_SIDE = "Side by side"
PICTURING_IT = "Picturing it"
KEY_IDEA = "Key idea"
MISCONCEPTIONS = "Common misconceptions"
RECAP = "Recap"
TRY_IT_LIVE = "Try it live"
NEXT = "Next"
MORE = "More on this card"
