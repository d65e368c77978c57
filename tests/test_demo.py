"""`refbot demo` plays the story end to end and fails loudly when a step does not happen."""

from bot.demo import ALICE, Story, play


def test_demo_story_happens() -> None:
    printed: list[str] = []

    code = play(out=printed.append)

    output = "\n".join(printed)
    assert code == 0, output
    assert "You haven't referred anyone yet" in output
    assert "Je ne connais pas" in output
    assert "steps happened as expected" in output


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
