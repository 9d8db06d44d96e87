"""Whole calls over TCP against the FastAGI server, Asterisk's side scripted."""
from __future__ import annotations

from ivr_asterisk_peer import WELL_FORMED, environment


def call(server, digits, hangup_at=None, **env):
    peer = server.peer()
    try:
        peer.send_env(environment(**env))
        return peer.run(digits, hangup_at)
    finally:
        peer.close()


def test_caller_pressing_1_is_queued_for_a_service_request(agi_server, outcomes):
    s = call(agi_server, ["1"], uniqueid="c.1")
    assert s.variables["CC_QUEUE"] == "hotline"
    assert s.variables["CC_INTENT"] == "service"
    assert s.variables["CC_IVR_PATH"] == "1"
    assert s.variables["CC_RESIDENT_ID"] == "r-1"
    assert s.variables["CC_LANG"] == "zh"
    assert outcomes["c.1"].ended == "queued"
    assert s.closed and not s.pipelined
    assert all(WELL_FORMED.match(c) for c in s.commands), s.commands


def test_commands_name_prompts_under_the_menus_sound_folder(agi_server):
    s = call(agi_server, ["1"])
    assert s.commands[:2] == ['STREAM FILE callcenter/hotline/welcome ""',
                              "GET DATA callcenter/hotline/main_menu 5000 1"]


def test_silence_reaches_a_person_after_the_retries(agi_server):
    s = call(agi_server, [])
    assert [c for c in s.commands if c.startswith("GET DATA")] == \
        ["GET DATA callcenter/hotline/main_menu 5000 1"] * 3
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")


def test_care_resident_goes_to_the_care_queue_without_menus(agi_server):
    s = call(agi_server, [], callerid="13602001234")
    assert not any(c.startswith(("GET DATA", "STREAM FILE")) for c in s.commands)
    assert s.variables["CC_QUEUE"] == "care"
    assert int(s.variables["CC_PRIORITY"]) >= 8
    assert s.variables["CC_RESIDENT_ID"] == "r-2"


def test_english_speaking_resident_hears_english_without_being_asked(agi_server):
    s = call(agi_server, ["2"], callerid="+8613700000001")
    assert s.commands[0] == 'SET VARIABLE CHANNEL(language) "en"'
    assert (s.variables["CC_LANG"], s.variables["CC_INTENT"]) == ("en", "consult")


def test_own_ticket_status_is_spoken_with_its_deadline(agi_server, directory):
    s = call(agi_server, ["4", "20261127001", "0"], uniqueid="c.t")
    deadline = int(directory.tickets["20261127001"].deadline.timestamp())
    assert 'SAY DIGITS 20261127001 ""' in s.commands
    assert 'STREAM FILE callcenter/hotline/status_dispatched ""' in s.commands
    assert any(c.startswith(f"SAY DATETIME {deadline} ") for c in s.commands)
    assert (s.variables["CC_INTENT"], s.variables["CC_TICKET"]) == ("status", "20261127001")
    assert s.variables["CC_IVR_PATH"] == "4-0"


def test_someone_elses_ticket_needs_the_last_four_digits(agi_server):
    s = call(agi_server, ["4", "20261127002", "1111", "0000", "0"])
    verify = [c for c in s.commands if "verify_last4" in c]
    assert len(verify) == 2
    assert 'STREAM FILE callcenter/hotline/status_resolved ""' in s.commands


def test_three_wrong_last_four_digits_send_the_caller_to_an_agent(agi_server):
    s = call(agi_server, ["4", "20261127002", "1111", "2222", "3333"])
    assert not any("status_resolved" in c for c in s.commands)
    assert (s.variables["CC_INTENT"], s.variables["CC_TICKET"]) == ("status", "20261127002")


def test_survey_route_records_the_score_for_the_ticket(agi_server, directory, outcomes):
    s = call(agi_server, ["5"], script="survey", uniqueid="s.1",
             agi_arg_1="20261127001", agi_arg_2="1795865089.1")
    assert directory.surveys == [("20261127001", "1795865089.1", 5)]
    assert s.commands[-1] == "HANGUP"
    assert outcomes["1795865089.1"].ended == "hangup"


def test_unknown_route_closes_the_connection_without_commands(agi_server):
    s = call(agi_server, [], script="nosuchmenu")
    assert s.commands == [] and s.closed


def test_hangup_at_every_step_stops_commands_and_is_recorded(agi_server, outcomes):
    digits = ["4", "20261127002", "1111", "0000", "1", "0"]
    full = call(agi_server, digits, uniqueid="full")
    assert outcomes["full"].ended == "queued"
    for step in range(len(full.commands)):
        s = call(agi_server, digits, hangup_at=step, uniqueid=f"h.{step}")
        assert s.after_hangup == [], f"commands after hang-up at step {step}"
        assert s.closed
        assert outcomes[f"h.{step}"].ended == "caller_hangup"
        assert s.commands == full.commands[:step + 1]


def test_directory_outage_still_queues_the_caller_to_a_person(agi_server, directory):
    def broken(number):
        raise ConnectionError("database is down")

    directory.lookup_caller = broken
    s = call(agi_server, [])
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")


def test_rejected_command_still_queues_the_caller(agi_server):
    peer = agi_server.peer()
    peer.send_env(environment())
    first = peer.read_line()
    peer.send(b"510 Invalid or unknown command\n")
    s = peer.run([])
    peer.close()
    assert first.startswith("STREAM FILE")
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")
