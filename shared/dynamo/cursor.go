package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// maxCursorValue bounds each value of a cursor: DynamoDB refuses sort keys
// over 1024 bytes.
const maxCursorValue = 1024

// checkCursorKeys refuses a decoded cursor whose attributes are not exactly
// the key attributes of the table (and index) being queried, so that a forged
// cursor is a validation error rather than a DynamoDB one.
func checkCursorKeys(start map[string]types.AttributeValue, q pageQuery) error {
	if start == nil {
		return nil
	}
	want := queryKeyNames(q)
	if len(start) != len(want) {
		return webhook.Invalid("cursor", "is not a cursor from this list")
	}
	for name, v := range start {
		s, ok := v.(*types.AttributeValueMemberS)
		if !want[name] || !ok || len(s.Value) > maxCursorValue {
			return webhook.Invalid("cursor", "is not a cursor from this list")
		}
	}
	return nil
}

// queryKeyNames is the set of attributes in a LastEvaluatedKey of q: the
// table's key and, for an index query, the index's key too.
func queryKeyNames(q pageQuery) map[string]bool {
	names := map[string]bool{}
	for _, t := range schema.Tables() {
		if t.ID != q.table {
			continue
		}
		addKey(names, t.PartitionKey, t.SortKey)
		for _, ix := range t.Indexes {
			if ix.Name == q.index {
				addKey(names, ix.PartitionKey, ix.SortKey)
			}
		}
	}
	return names
}

func addKey(names map[string]bool, pk schema.Key, sk *schema.Key) {
	names[pk.Name] = true
	if sk != nil {
		names[sk.Name] = true
	}
}
