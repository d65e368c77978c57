"""`refbot demo` plays the story end to end and fails loudly when a step does not happen."""

import re

from bot.demo import ALICE, FRENCH_DATE, Story, play


def step(output: str, title: str) -> str:
    """What the demo printed under the step whose title starts with `title`."""
    found = re.search(
        rf"\n\d+\. {re.escape(title)}.*?(?=\n\d+\. |\nWhat each person saw)", output, re.S
    )
    assert found, f"no step {title!r} in:\n{output}"
    return found.group(0)


def test_demo_story_happens() -> None:
    printed: list[str] = []

    code = play(out=printed.append)

    output = "\n".join(printed)
    assert code == 0, output
    assert "You haven't referred anyone yet" in output
    assert "Je ne connais pas" in output
    assert "steps happened as expected" in output
    # A button replaced by what was done, by whom and when.
    before = step(output, "Three business days later, no reply yet")
    after = step(output, "Rita clicks Sent")
    assert "[Sent] [They replied]" in before
    assert "Follow-up sent by @Rita · " in after and "[" not in after.split("\n", 1)[1]
    # A French recruiter's follow-up DM, its date in French.
    french = step(output, "No reply yet: Sophie's follow-up reminder")
    assert "Il est temps de relancer" in french and "[Envoyé]" in french
    assert FRENCH_DATE.search(french), french
    assert "Relance envoyée par @Sophie" in step(output, "Sophie clicks Envoyé")
    # The hiring manager's decision with feedback, and their card saying what they answered.
    decision = step(output, "Hugo passes on Paul")
    assert "@Hugo ne donne pas suite pour Paul Langevin" in decision
    assert "run Kubernetes in production" in decision
    card = step(output, "Hugo's card now says")
    assert "You passed — you said so" in card and "[Pass]" not in card
    # Greenhouse: the referral credited to Alice there; a stage moved in Greenhouse told to her
    # once by its webhook, once by polling alone.
    pushed = step(output, "Alice refers Ada Yonath")
    assert "Referrer: Alice Martin" in pushed and "In Greenhouse ✓ (credited to @Alice)" in pushed
    webhook = step(output, "The recruiter moves Ada to Technical Interview")
    assert "POST /ats/greenhouse/webhook" in webhook and "→ 200" in webhook
    assert "Ada Yonath is interviewing" in webhook
    assert "no webhook is sent" in step(output, "Now by polling alone")
    assert "Katherine Johnson is interviewing" in step(
        output, "Five minutes later refbot's poll finds"
    )
    story = output.split("\nWhat each person saw")[0]
    assert story.count("Ada Yonath is interviewing") == 1
    assert story.count("Katherine Johnson is interviewing") == 1
    # The referral program: a weekly roundup in #jobs with the reward and "Refer someone", the
    # referral form opened on that role, a hire, and the referrer's reward DM.
    settings = step(output, "Rita, an admin, sets a €1,000 referral reward")
    assert "Reward amount: 1000" in settings and "Currency: EUR" in settings
    assert re.search(r"in #jobs every Monday at 10:00\sAM \(UTC\)", settings), settings
    roundup = step(output, "Next Monday, 10:05: the roundup arrives in #jobs")
    assert "Alice (employee) sees in #jobs" in roundup and "Open roles" in roundup
    assert "Site Reliability Engineer · Infrastructure" in roundup
    assert "Referral reward: €1,000  [Refer someone]" in roundup
    assert "Ada" not in roundup and "Grace" not in roundup  # no candidate in the channel
    form = step(output, "Alice clicks Refer someone on Site Reliability Engineer")
    assert "For which role?: Site Reliability Engineer" in form
    assert "Dorothy Vaughan is with the recruiting team now" in form
    hire = step(output, "Rita gets the card for Dorothy Vaughan and moves her to Hired")
    assert "Referred by @Alice" in hire and "Hired by @Rita" in hire
    reward = step(output, "Alice hears Dorothy is joining")
    assert "Dorothy Vaughan is joining us — thank you for the referral!" in reward
    assert re.search(
        r"Your reward: €1,000 when Dorothy Vaughan has been with us 90 days, on \w+day, \w+ \d+, "
        r"\d{4}\.",
        reward,
    ), reward
    assert story.count("Your reward: €1,000") == 1


def test_demo_tells_a_french_date_from_an_english_one() -> None:
    assert FRENCH_DATE.search("le mar. 3 nov. 2026, 09:00")
    assert FRENCH_DATE.search("ven. 4 juin 2027")
    assert not FRENCH_DATE.search("on Tue, Nov 3, 2026, 9:00 AM")
    assert not FRENCH_DATE.search("le Thu 05 Nov 09:00")


def test_demo_names_the_step_that_did_not_happen() -> None:
    printed: list[str] = []

    def broken(story: Story) -> None:
        with story.step("Alice waits for a reply that never comes"):
            story.expect(story.slack.ephemerals(ALICE.user_id) != [], "no reply")

    code = play(out=printed.append, chapters=[broken])

    assert code == 1
    assert printed[-1] == (
        "\nDEMO FAILED at step 1 (Alice waits for a reply that never comes): no reply"
    )
