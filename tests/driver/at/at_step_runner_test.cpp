// AtStepRunner: tables of {command, timeout, handler} run one after the other; the runner
// does no I/O (a scripted Send stands in for the modem's engine).
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "fax/driver/at_step_runner.h"

namespace fax::driver {
namespace {

// A stand-in engine: records each command and answers from a script, at once or later.
struct ScriptedModem {
    std::vector<std::string> sent;
    std::vector<Samples> timeouts;
    std::deque<Result<AtReply>> answers;
    bool answer_at_once = true;
    std::optional<AtStepRunner::ReplyFn> waiting;

    AtStepRunner::Send sender() {
        return [this](const AtStep& step, AtStepRunner::ReplyFn on_reply) {
            sent.push_back(step.command);
            timeouts.push_back(step.timeout);
            if (answer_at_once) {
                reply(std::move(on_reply));
            } else {
                waiting = std::move(on_reply);
            }
        };
    }
    void reply(AtStepRunner::ReplyFn fn) {
        Result<AtReply> r = fail(Errc::Timeout, "script ran out");
        if (!answers.empty()) {
            r = std::move(answers.front());
            answers.pop_front();
        }
        fn(std::move(r));
    }
    void answer_waiting() {
        auto fn = std::move(*waiting);
        waiting.reset();
        reply(std::move(fn));
    }
};

Result<AtReply> ok(std::vector<std::string> info = {}) { return AtReply{AtResult::Ok, "OK", std::move(info)}; }
Result<AtReply> error() { return AtReply{AtResult::Error, "ERROR", {}}; }
Result<AtReply> no_answer() { return fail(Errc::Timeout, "no answer from the modem"); }

struct Outcome {
    bool done = false;
    Status status;
};

AtStepRunner::Done record(Outcome& o) {
    return [&o](Status s) {
        o.done = true;
        o.status = std::move(s);
    };
}

TEST(AtStepRunner, RunsEveryStepInOrderWithItsTimeout) {
    ScriptedModem modem;
    modem.answers = {ok(), ok(), ok()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"ATZ", Samples{8000 * 5}, {}, {}}, {"ATE0V1Q0", Samples{8000 * 3}, {}, {}}, {"AT+FCLASS=1", Samples{800}, {}, {}}},
               modem.sender(), record(out));
    EXPECT_EQ(modem.sent, (std::vector<std::string>{"ATZ", "ATE0V1Q0", "AT+FCLASS=1"}));
    EXPECT_EQ(modem.timeouts, (std::vector<Samples>{Samples{40000}, Samples{24000}, Samples{800}}));
    ASSERT_TRUE(out.done);
    EXPECT_TRUE(out.status.ok());
    EXPECT_FALSE(runner.running());
}

TEST(AtStepRunner, WaitsForEachReplyBeforeTheNextCommand) {
    ScriptedModem modem;
    modem.answer_at_once = false;
    modem.answers = {ok(), ok()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"ATZ", Samples{800}, {}, {}}, {"ATI3", Samples{800}, {}, {}}}, modem.sender(), record(out));
    EXPECT_EQ(modem.sent, (std::vector<std::string>{"ATZ"}));
    EXPECT_TRUE(runner.running());
    modem.answer_waiting();
    EXPECT_EQ(modem.sent, (std::vector<std::string>{"ATZ", "ATI3"}));
    EXPECT_FALSE(out.done);
    modem.answer_waiting();
    EXPECT_TRUE(out.done);
    EXPECT_TRUE(out.status.ok());
}

TEST(AtStepRunner, RequireOkTurnsAnotherResultIntoTheTypedErrorNamingTheCommand) {
    ScriptedModem modem;
    modem.answers = {ok(), error()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"ATE0V1Q0", Samples{800}, require_ok(), {}}, {"AT+FCLASS=1", Samples{800}, require_ok(), {}},
                {"AT+FTM=?", Samples{800}, require_ok(), {}}},
               modem.sender(), record(out));
    EXPECT_EQ(modem.sent.size(), 2u) << "nothing after the failed step";
    ASSERT_TRUE(out.done);
    ASSERT_FALSE(out.status.ok());
    EXPECT_EQ(out.status.error().code, Errc::ModemError);
    EXPECT_NE(out.status.error().message.find("AT+FCLASS=1"), std::string::npos) << out.status.error().message;
}

TEST(AtStepRunner, AnEngineErrorEndsTheSequenceAsItIs) {
    ScriptedModem modem;
    modem.answers = {no_answer()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"ATZ", Samples{800}, tolerate_error(), {}}, {"ATE0", Samples{800}, {}, {}}}, modem.sender(),
               record(out));
    EXPECT_EQ(modem.sent, (std::vector<std::string>{"ATZ"}));
    ASSERT_FALSE(out.status.ok());
    EXPECT_EQ(out.status.error().code, Errc::Timeout);
}

TEST(AtStepRunner, TolerateErrorGoesOnAfterErrorButKeepsOnlyOk) {
    ScriptedModem modem;
    modem.answers = {error(), ok({"+FMM: SimModem"})};
    AtStepRunner runner;
    Outcome out;
    std::vector<std::string> kept;
    auto keep = [&](const AtReply& r) -> Status {
        kept.insert(kept.end(), r.info.begin(), r.info.end());
        return {};
    };
    runner.run({{"AT+FMI?", Samples{800}, tolerate_error(keep), {}}, {"AT+FMM?", Samples{800}, tolerate_error(keep), {}}},
               modem.sender(), record(out));
    EXPECT_TRUE(out.status.ok());
    EXPECT_EQ(kept, (std::vector<std::string>{"+FMM: SimModem"}));
}

TEST(AtStepRunner, AKeepErrorEndsTheSequence) {
    ScriptedModem modem;
    modem.answers = {ok({"0,2.0"}), ok()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"AT+FCLASS=?", Samples{800},
                 require_ok([](const AtReply&) -> Status { return fail(Errc::Unsupported, "no Class 1"); }), {}},
                {"AT+FCLASS=1", Samples{800}, {}, {}}},
               modem.sender(), record(out));
    EXPECT_EQ(modem.sent.size(), 1u);
    ASSERT_FALSE(out.status.ok());
    EXPECT_EQ(out.status.error().code, Errc::Unsupported);
}

TEST(AtStepRunner, WhenSkipsAStepAskedAtTheMomentItComesUp) {
    ScriptedModem modem;
    modem.answers = {ok({"0,1"}), ok(), ok()};
    AtStepRunner runner;
    Outcome out;
    bool class1 = false;
    auto only_class1 = [&] { return class1; };
    runner.run({{"AT+FCLASS=?", Samples{800}, require_ok([&](const AtReply& r) -> Status {
                     class1 = r.info == std::vector<std::string>{"0,1"};
                     return {};
                 }), {}},
                {"AT+FTM=?", Samples{800}, {}, only_class1},
                {"AT+FCLASS=2.0", Samples{800}, {}, [] { return false; }},
                {"AT+FCLASS=0", Samples{800}, {}, {}}},
               modem.sender(), record(out));
    EXPECT_EQ(modem.sent, (std::vector<std::string>{"AT+FCLASS=?", "AT+FTM=?", "AT+FCLASS=0"}));
    EXPECT_TRUE(out.status.ok());
}

TEST(AtStepRunner, FinishSkipsTheRestSuccessfully) {
    ScriptedModem modem;
    modem.answers = {ok()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"ATZ", Samples{800}, [](const AtStep&, const Result<AtReply>&) { return AtStepVerdict::finish(); }, {}},
                {"ATE0", Samples{800}, {}, {}}},
               modem.sender(), record(out));
    EXPECT_EQ(modem.sent.size(), 1u);
    EXPECT_TRUE(out.done);
    EXPECT_TRUE(out.status.ok());
}

TEST(AtStepRunner, AnEmptyTableIsDoneAtOnce) {
    ScriptedModem modem;
    AtStepRunner runner;
    Outcome out;
    runner.run({}, modem.sender(), record(out));
    EXPECT_TRUE(out.done);
    EXPECT_TRUE(out.status.ok());
    EXPECT_TRUE(modem.sent.empty());
}

TEST(AtStepRunner, AbandonIgnoresTheReplyStillOnItsWay) {
    ScriptedModem modem;
    modem.answer_at_once = false;
    modem.answers = {ok(), ok()};
    AtStepRunner runner;
    Outcome out;
    runner.run({{"ATZ", Samples{800}, {}, {}}, {"ATE0", Samples{800}, {}, {}}}, modem.sender(), record(out));
    runner.abandon();
    modem.answer_waiting();
    EXPECT_EQ(modem.sent, (std::vector<std::string>{"ATZ"}));
    EXPECT_FALSE(out.done);
    EXPECT_FALSE(runner.running());
}

TEST(AtStepRunner, ARunAfterAnAbandonedOneIgnoresTheOldReply) {
    ScriptedModem modem;
    modem.answer_at_once = false;
    AtStepRunner runner;
    Outcome first, second;
    runner.run({{"ATZ", Samples{800}, {}, {}}}, modem.sender(), record(first));
    auto old_reply = std::move(*modem.waiting);
    modem.waiting.reset();
    runner.run({{"ATI", Samples{800}, {}, {}}}, modem.sender(), record(second));
    old_reply(ok());
    EXPECT_FALSE(first.done);
    EXPECT_FALSE(second.done) << "the old run's reply is not the new run's";
    modem.answers = {ok()};
    modem.answer_waiting();
    EXPECT_TRUE(second.done);
}

}  // namespace
}  // namespace fax::driver
