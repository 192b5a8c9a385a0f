"""Who said it: pronouns, descriptions, places, organisations, openers, captions and unattributed
quotes, on small fixtures written for these tests."""

from __future__ import annotations

from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store
from plugins.quotes.extract import Extractor
from plugins.quotes.reading import Statement


def found(text: str) -> list[Statement]:
    return Extractor(text).run()


def speaker_of(text: str, words: str) -> Statement:
    """The statement whose content holds these words."""
    return next(s for s in found(text) if words in text[s.start : s.end])


def test_pronoun_after_two_people_of_different_gender() -> None:
    text = (
        "Maria Lindholm, the head of the fisheries board, met Thomas Berger, a trawler captain, on the pier.\n\n"
        "Berger asked for a delay of the new quota rules.\n\n"
        "“The cod are coming back, and the rules should follow the fish,” she said.\n\n"
        "“I have sailed these waters for thirty years and never seen it this bad,” he said."
    )
    assert speaker_of(text, "the rules should follow the fish").speaker == "Maria Lindholm"
    assert speaker_of(text, "never seen it this bad").speaker == "Thomas Berger"


def test_pronoun_follows_what_the_text_says_of_a_name_no_list_knows() -> None:
    text = (
        "Okonkwo-Vance said she would not run again.\n\n"
        "Later Quispe Tarazona, the party treasurer, said his accounts were in order.\n\n"
        "“I leave the council with a clear conscience,” she said."
    )
    assert speaker_of(text, "clear conscience").speaker == "Okonkwo-Vance"


def test_descriptions_resolve_to_the_minister_and_the_company() -> None:
    text = (
        "Health Minister Joanna Reyes and Paul Okafor, a hospital director, toured the new wing on Monday.\n\n"
        "The minister said the wing would open to patients in June.\n\n"
        "Brightwell Pharmaceuticals supplies the wing's pharmacy. The company said deliveries would "
        "start next week.\n\n"
        "“We have stocked the shelves twice over,” the company said in a statement."
    )
    assert speaker_of(text, "open to patients in June").speaker == "Joanna Reyes"
    assert speaker_of(text, "deliveries would start").speaker == "Brightwell Pharmaceuticals"
    assert speaker_of(text, "stocked the shelves").speaker == "Brightwell Pharmaceuticals"


def test_a_place_and_an_organisation_are_never_a_persons_pronoun() -> None:
    text = (
        "Farmers in Saskatchewan lost half their wheat to hail, and the Prairie Growers Association asked "
        "Ottawa for help.\n\n"
        "“We have never seen stones that size in August,” he said.\n\n"
        "Grower Daniel Moreau has farmed near Regina for decades.\n\n"
        "“Half my fields are flat,” he said."
    )
    statements = found(text)
    assert all(s.speaker not in ("Saskatchewan", "Prairie Growers Association", "Ottawa") for s in statements)
    first = speaker_of(text, "stones that size")
    assert not first.resolved and first.mention == "he"  # nobody named before it: kept as a mention
    assert speaker_of(text, "Half my fields are flat").speaker == "Daniel Moreau"


def test_a_street_the_text_calls_their_is_still_a_place_and_no_speaker() -> None:
    text = (
        "The council voted on Tuesday to close the market square to cars.\n\n"
        "Traders on Quarry Lane had fought the plan for a year. Their association said it would take the "
        "council to court."
    )
    statement = speaker_of(text, "take the council to court")
    assert statement.speaker != "Quarry Lane"
    assert not statement.resolved and statement.mention == "Their association"


def test_a_place_before_the_verb_gives_way_to_the_person_it_describes() -> None:
    text = (
        "Sen. Harriet Quill of Vermont, the chair of the budget committee, said the vote would wait "
        "until the spring."
    )
    assert speaker_of(text, "the vote would wait").speaker == "Harriet Quill"


def test_a_sentence_opener_and_a_caption_are_not_speakers() -> None:
    text = (
        "Rescuers pulled three hikers from the ravine on Sunday.\n\n"
        "Volunteer Carla Jimenez / Mountain Herald File Photo\n\n"
        "READ MORE: Mayor Ellen Vos says the trail will stay closed all winter\n\n"
        "Earlier Thursday, rescue leader Samuel Ortiz said the ropes had held.\n\n"
        "“We got lucky with the weather,” he said.\n\n"
        "When the helicopter arrived, Ortiz said, the hikers were already walking."
    )
    statements = found(text)
    speakers = {s.speaker for s in statements}
    assert "Carla Jimenez" not in speakers  # named only in a photo credit
    assert "Ellen Vos" not in speakers  # a link to another story is not this story's statement
    assert not speakers & {"Earlier Thursday", "Thursday", "When", "Earlier"}
    assert speaker_of(text, "We got lucky").speaker == "Samuel Ortiz"


def test_a_verb_opening_the_sentence_is_no_part_of_the_name_after_it() -> None:
    text = (
        "Senator Rosa Delgado visited the shipyard on Monday.\n\n"
        "Blaming Delgado's allies for the delay will not help, the union said.\n\n"
        "Delgado is stressing that the contract will bring four hundred jobs to the town."
    )
    assert speaker_of(text, "four hundred jobs").speaker == "Rosa Delgado"


def test_it_said_is_the_name_that_spoke_before_not_an_earlier_one() -> None:
    text = (
        "Weather Office Norland issued a storm warning for the coast on Friday.\n\n"
        "Kestrel Grid said in a statement that 20,000 homes lost power overnight.\n\n"
        "“Crews will work through the night to restore the lines,” it said."
    )
    assert speaker_of(text, "Crews will work").speaker == "Kestrel Grid"


def test_the_subject_after_a_subordinate_opening_said_the_quoted_words() -> None:
    text = (
        "Mayor Ruth Adler spoke on the steps of city hall on Monday.\n\n"
        "As Adler attacked the ferry board, the dockworkers chanted “No more night cuts!”"
    )
    assert speaker_of(text, "No more night cuts").speaker == "the dockworkers"


def test_a_floating_quote_paragraph_continues_the_speaker_before() -> None:
    text = (
        "Ana Duarte, who runs the shelter, said demand had doubled since the winter began.\n\n"
        "“Some nights we turn away twenty people. We do not have the beds.”\n\n"
        "Kevin Marsh, a volunteer, drives the night van.\n\n"
        "“I see the same faces every week, and more new ones each time.”"
    )
    assert speaker_of(text, "turn away twenty people").speaker == "Ana Duarte"
    assert speaker_of(text, "same faces every week").speaker == "Kevin Marsh"


def test_an_unresolved_description_stays_a_description() -> None:
    text = (
        "The strike at the bottling plant entered its third week.\n\n"
        "A union spokesperson said the workers would not return without a written offer.\n\n"
        "The spokesperson said talks could resume on Friday."
    )
    first = speaker_of(text, "would not return")
    assert (first.speaker, first.resolved) == ("A union spokesperson", False)
    second = speaker_of(text, "talks could resume")
    assert not second.resolved and second.mention == "The spokesperson"
    assert second.speaker == "A union spokesperson"  # the same unnamed speaker, not a guess


def test_speaker_table_merges_variants_but_never_a_company_into_a_person(
    pipeline: Pipeline, store: Store
) -> None:
    pipeline.ingest(
        Article(id="a", text="Vice President Rosa Harlan said the treaty would be signed in May.")
    )
    pipeline.ingest(Article(id="b", text="Harlan said the signing ceremony would take place in Geneva."))
    pipeline.ingest(
        Article(id="c", text="Harlan Motors Inc. said it would recall four thousand vans with faulty brakes.")
    )
    rows = {
        r["article_id"]: r["speaker_id"] for r in store.db.query("select article_id, speaker_id from quotes")
    }
    assert rows["a"] == rows["b"]  # 'Harlan' is Rosa Harlan
    assert rows["c"] != rows["a"]  # the company is not the person


def test_a_paragraph_signed_by_a_name_is_that_persons_statement() -> None:
    text = (
        "The ferry will not run again before spring, the operator said on Monday.\n\n"
        "We cannot ask families to choose between the boat and the doctor. Helena Brandt, island councillor\n\n"
        "Open this photo in gallery The old pier at low tide. Marcus Webb\n\n"
        "Repairs to the pier are expected to take four months."
    )
    signed = speaker_of(text, "choose between the boat")
    assert (signed.speaker, signed.direct) == ("Helena Brandt", False)
    assert text[signed.start : signed.end].endswith("the doctor")
    assert not any(
        "low tide" in text[s.start : s.end] for s in found(text)
    )  # a photo credit, not a statement


def test_quoted_words_after_a_subject_inside_the_sentence() -> None:
    text = (
        "The hearing ran late into the evening, and Senator Vera Holm likened the new tariff to "
        "“a kitchen table tax” before the vote."
    )
    statement = speaker_of(text, "a kitchen table tax")
    assert (statement.speaker, statement.direct) == ("Vera Holm", True)
    assert Extractor(text, off={"inner-clause"}).run() == []


def test_a_police_rank_before_a_surname_is_a_title_of_the_person_named_before() -> None:
    text = (
        "Constable Rhona Tallis, who has served in the harbour division for nine years, lost her appeal.\n\n"
        "“I was never told why the transfer was made,” PC Tallis told the panel.\n\n"
        "Det Insp Gareth Moyle said the decision had followed the usual rules."
    )
    assert speaker_of(text, "never told why").speaker == "Rhona Tallis"
    assert speaker_of(text, "followed the usual rules").speaker == "Gareth Moyle"


def test_a_name_set_off_after_a_description_opening_the_sentence_is_the_speaker() -> None:
    text = (
        "The harbour board met on Monday.\n\n"
        "The ferry operator, Baltline Shipping, said it would pay for the stranded passengers' hotels.\n\n"
        "A spokeswoman for the board, Ilse Rahn, said the quay would reopen on Friday."
    )
    assert speaker_of(text, "pay for the stranded").speaker == "Baltline Shipping"
    assert speaker_of(text, "quay would reopen").speaker == "Ilse Rahn"


def test_a_place_after_a_preposition_is_not_the_subject_a_description_stands_for() -> None:
    text = (
        "Dock workers in Kessel walked out on Monday, halting shipping at the port.\n\n"
        "The union said the strike would last three days."
    )
    assert speaker_of(text, "the strike would last three days").speaker != "Kessel"


def test_first_names_that_are_also_months_or_days() -> None:
    text = (
        "April Ryan said the hearing had been postponed until the spring.\n\n"
        "Mayor Jan Holm said the budget would be cut by ten percent next year.\n\n"
        "In May Parliament said the rules would change before the summer recess."
    )
    assert speaker_of(text, "hearing had been postponed").speaker == "April Ryan"
    assert speaker_of(text, "budget would be cut").speaker == "Jan Holm"
    assert "May" not in speaker_of(text, "rules would change").speaker


def test_a_bracketed_affiliation_after_a_name_keeps_it_the_subject_of_its_verb() -> None:
    text = (
        "“Nobody on this committee has seen the contract,” said Rep. Dolores Whitcombe.\n\n"
        "On Sunday, Sen. Arnold Pfister (R-Ore.), who chairs the panel, questioned the timing of the deal. "
        "“We were told about it the morning it was signed, and that is not how this works.”"
    )
    assert speaker_of(text, "the morning it was signed").speaker == "Arnold Pfister"


def test_a_name_right_before_who_is_the_speaker_not_the_clause_before_it() -> None:
    text = (
        "Finally, the board backed Margit Solberg, who said the harbour plan would go ahead in spring.\n\n"
        "The plan was opposed by Jonas Eklund, the head of the ferry union in Bergen, who warned that "
        "the night crossings would have to stop."
    )
    assert speaker_of(text, "harbour plan would go ahead").speaker == "Margit Solberg"
    assert speaker_of(text, "night crossings would have to stop").speaker == "Jonas Eklund"


def test_an_adverb_between_a_name_and_its_verb_keeps_the_name_the_subject() -> None:
    text = (
        "“We will not sign this year,” said Marta Okafor, the union's negotiator.\n\n"
        "Mr. Lindqvist generally avoided the subject of pay during his years in charge of the yard. "
        "On Friday he said that the pension fund was nearly empty."
    )
    assert speaker_of(text, "pension fund was nearly empty").speaker == "Lindqvist"
