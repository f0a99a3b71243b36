package stack

import (
	"fmt"
	"testing"
)

func TestSweeperRunsEveryFiveMinutes(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		fnID, _ := s.raw.byProp(t, "AWS::Lambda::Function", "FunctionName", "hookrelay-"+s.props.Stage+"-sweeper")
		_, rule := s.raw.byProp(t, "AWS::Events::Rule", "Name", "hookrelay-"+s.props.Stage+"-sweeper")
		if rule.Properties["ScheduleExpression"] != "rate(5 minutes)" || rule.Properties["State"] != "ENABLED" {
			t.Errorf("sweeper rule %v", rule.Properties)
		}
		targets := fmt.Sprint(rule.Properties["Targets"])
		if want := "Fn::GetAtt:[" + fnID + " Arn]"; !contains(targets, want) {
			t.Errorf("sweeper rule targets %s, want the sweeper function %s", targets, fnID)
		}
		// EventBridge may invoke the sweeper, and only the sweeper.
		n := 0
		for _, p := range s.raw.ofType("AWS::Lambda::Permission") {
			if p.Properties["Principal"] == "events.amazonaws.com" {
				n++
				if got := fmt.Sprint(p.Properties["FunctionName"]); !contains(got, fnID) {
					t.Errorf("events.amazonaws.com may invoke %s", got)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d EventBridge invoke permissions, want 1", n)
		}
	})
}

func TestDenyListReachesDeliver(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		_, fn := s.raw.byProp(t, "AWS::Lambda::Function", "FunctionName", "hookrelay-"+s.props.Stage+"-deliver")
		vars := fn.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		got, ok := vars["HOOKRELAY_DENY_CIDRS"]
		if s.props.DenyCIDRs == "" && ok {
			t.Errorf("HOOKRELAY_DENY_CIDRS = %v without a deny list", got)
		}
		if s.props.DenyCIDRs != "" && got != s.props.DenyCIDRs {
			t.Errorf("HOOKRELAY_DENY_CIDRS = %v, want %q", got, s.props.DenyCIDRs)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
