package front

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kraftbench/kraftbench/cluster"
)

// AlterConfigs v0-2 and IncrementalAlterConfigs v0-1 for topic resources.
//
// Behavior (Kafka 3.9): every request is first preprocessed as
// core/src/main/scala/kafka/server/ConfigAdminManager.scala preprocess and
// preprocessLegacyAlterConfigs do, in both modes (KafkaApis
// handleIncrementalAlterConfigsRequest, handleAlterConfigsRequest): a
// resource named twice is INVALID_REQUEST ("Each resource must appear at
// most once.") on both entries; a key named twice in one resource is
// INVALID_REQUEST ("Error due to duplicate config keys"); a null value is
// INVALID_REQUEST ("Null value not supported for : k"), except for an
// incremental DELETE. The remaining TOPIC resources go to the node's
// cluster.TopicConfigurer as one call (ZooKeeper mode: any broker writes
// them, ZkAdminManager; KRaft: forwarded to the active controller, one
// atomic commit). A topic resource with an empty name is INVALID_REQUEST
// ("Default topic resources are not allowed.", both modes). BROKER
// resources are INVALID_REQUEST: kraftbench has no dynamic broker configs
// (docs/fidelity.md). Other types are INVALID_REQUEST ("Unknown resource
// type"), as preprocess throws. A whole-request failure (NOT_CONTROLLER, a
// timeout) is answered on every topic resource.

// ConfigAlteration is one resource of an AlterConfigs or
// IncrementalAlterConfigs request after preprocessing: the topic
// alteration to carry out, or Err, the error it is answered with.
type ConfigAlteration struct {
	ResourceType kmsg.ConfigResourceType
	ResourceName string
	Alter        cluster.TopicConfigAlter
	Err          error
	Result       cluster.ConfigResult // filled in by RunAlterations
}

// IncrementalAlterations preprocesses an IncrementalAlterConfigs request.
func IncrementalAlterations(req *kmsg.IncrementalAlterConfigsRequest) []ConfigAlteration {
	out := make([]ConfigAlteration, len(req.Resources))
	for i, r := range req.Resources {
		a := ConfigAlteration{ResourceType: r.ResourceType, ResourceName: r.ResourceName}
		a.Alter = cluster.TopicConfigAlter{Topic: r.ResourceName}
		names := make([]string, 0, len(r.Configs))
		var nulls []string
		for _, c := range r.Configs {
			names = append(names, c.Name)
			op := cluster.ConfigOp(c.Op)
			if op != cluster.ConfigDelete && c.Value == nil {
				nulls = append(nulls, c.Name)
			}
			a.Alter.Changes = append(a.Alter.Changes, cluster.ConfigChange{Name: c.Name, Op: op, Value: c.Value})
		}
		a.Err = preprocessErr(r.ResourceType, r.ResourceName, names, nulls)
		out[i] = a
	}
	markDuplicateResources(out)
	return out
}

// LegacyAlterations preprocesses an AlterConfigs request: each resource
// replaces the topic's overrides with its entries.
func LegacyAlterations(req *kmsg.AlterConfigsRequest) []ConfigAlteration {
	out := make([]ConfigAlteration, len(req.Resources))
	for i, r := range req.Resources {
		a := ConfigAlteration{ResourceType: r.ResourceType, ResourceName: r.ResourceName}
		a.Alter = cluster.TopicConfigAlter{Topic: r.ResourceName, Replace: true}
		names := make([]string, 0, len(r.Configs))
		var nulls []string
		for _, c := range r.Configs {
			names = append(names, c.Name)
			if c.Value == nil {
				nulls = append(nulls, c.Name)
			}
			a.Alter.Changes = append(a.Alter.Changes, cluster.ConfigChange{Name: c.Name, Op: cluster.ConfigSet, Value: c.Value})
		}
		a.Err = preprocessErr(r.ResourceType, r.ResourceName, names, nulls)
		out[i] = a
	}
	markDuplicateResources(out)
	return out
}

func preprocessErr(typ kmsg.ConfigResourceType, name string, keys, nulls []string) error {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			return cluster.Errorf(kerr.InvalidRequest, "Error due to duplicate config keys")
		}
		seen[k] = true
	}
	if len(nulls) > 0 {
		msg := nulls[0]
		for _, n := range nulls[1:] {
			msg += ", " + n
		}
		return cluster.Errorf(kerr.InvalidRequest, "Null value not supported for : %s", msg)
	}
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
		if name == "" {
			return cluster.Errorf(kerr.InvalidRequest, "Default topic resources are not allowed.")
		}
		return nil
	case kmsg.ConfigResourceTypeBroker:
		return cluster.Errorf(kerr.InvalidRequest, "kraftbench does not model dynamic broker configs")
	}
	return cluster.Errorf(kerr.InvalidRequest, "Unknown resource type %d", int8(typ))
}

func markDuplicateResources(as []ConfigAlteration) {
	type key struct {
		t kmsg.ConfigResourceType
		n string
	}
	first := map[key]int{}
	for i, a := range as {
		k := key{a.ResourceType, a.ResourceName}
		if j, dup := first[k]; dup {
			err := cluster.Errorf(kerr.InvalidRequest, "Each resource must appear at most once.")
			as[i].Err, as[j].Err = err, err
			continue
		}
		first[k] = i
	}
}

// AlterFunc carries out topic alterations: a cluster.TopicConfigurer's
// AlterTopicConfigs, or the active KRaft controller's.
type AlterFunc func(ctx context.Context, alters []cluster.TopicConfigAlter, validateOnly bool) ([]cluster.ConfigResult, error)

// RunAlterations hands the entries without a preprocessing error to alter
// as one call and fills in every entry's Result.
func RunAlterations(ctx context.Context, as []ConfigAlteration, validateOnly bool, alter AlterFunc) {
	var alters []cluster.TopicConfigAlter
	var index []int
	for i := range as {
		if as[i].Err != nil {
			as[i].Result = cluster.ConfigResultFor(as[i].ResourceName, as[i].Err)
			continue
		}
		alters = append(alters, as[i].Alter)
		index = append(index, i)
	}
	if len(alters) == 0 {
		return
	}
	got, err := alter(ctx, alters, validateOnly)
	if err == nil && len(got) != len(alters) {
		err = cluster.Errorf(kerr.UnknownServerError, "the node answered %d results for %d resources", len(got), len(alters))
	}
	for j, i := range index {
		if err != nil {
			code, msg := wholeRequestCode(err)
			as[i].Result = cluster.ConfigResult{Topic: as[i].ResourceName, Code: code, Message: msg}
			continue
		}
		as[i].Result = got[j]
	}
}

// IncrementalAlterResponse encodes the entries' results.
func IncrementalAlterResponse(version int16, as []ConfigAlteration) *kmsg.IncrementalAlterConfigsResponse {
	resp := kmsg.NewPtrIncrementalAlterConfigsResponse()
	resp.Version = version
	for _, a := range as {
		r := kmsg.NewIncrementalAlterConfigsResponseResource()
		r.ResourceType, r.ResourceName, r.ErrorCode = a.ResourceType, a.ResourceName, a.Result.Code
		if a.Result.Code != 0 && a.Result.Message != "" {
			r.ErrorMessage = strPtr(a.Result.Message)
		}
		resp.Resources = append(resp.Resources, r)
	}
	return resp
}

// AlterConfigsResponse encodes the entries' results.
func AlterConfigsResponse(version int16, as []ConfigAlteration) *kmsg.AlterConfigsResponse {
	resp := kmsg.NewPtrAlterConfigsResponse()
	resp.Version = version
	for _, a := range as {
		r := kmsg.NewAlterConfigsResponseResource()
		r.ResourceType, r.ResourceName, r.ErrorCode = a.ResourceType, a.ResourceName, a.Result.Code
		if a.Result.Code != 0 && a.Result.Message != "" {
			r.ErrorMessage = strPtr(a.Result.Message)
		}
		resp.Resources = append(resp.Resources, r)
	}
	return resp
}

func (k *kafkaAPIs) incrementalAlterConfigs(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.IncrementalAlterConfigsRequest)
	as := IncrementalAlterations(req)
	wctx, cancel := k.writeContext(ctx, 0)
	defer cancel()
	RunAlterations(wctx, as, req.ValidateOnly, k.configs.AlterTopicConfigs)
	return IncrementalAlterResponse(req.Version, as), nil
}

func (k *kafkaAPIs) alterConfigs(ctx context.Context, _ RequestHeader, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.AlterConfigsRequest)
	as := LegacyAlterations(req)
	wctx, cancel := k.writeContext(ctx, 0)
	defer cancel()
	RunAlterations(wctx, as, req.ValidateOnly, k.configs.AlterTopicConfigs)
	return AlterConfigsResponse(req.Version, as), nil
}

// AlterConfigsRequestFor builds the request that carries alters: an
// IncrementalAlterConfigs (v1), or an AlterConfigs (v2) when they are
// replacements; one resource per alteration. A KRaft broker forwards with
// it and the admin client sends it.
func AlterConfigsRequestFor(alters []cluster.TopicConfigAlter, validateOnly bool) (kmsg.Request, error) {
	if len(alters) == 0 {
		return nil, errors.New("alter configs: no resources")
	}
	for _, a := range alters[1:] {
		if a.Replace != alters[0].Replace {
			return nil, errors.New("alter configs: one request cannot mix AlterConfigs and IncrementalAlterConfigs")
		}
	}
	if alters[0].Replace {
		req := kmsg.NewPtrAlterConfigsRequest()
		req.Version, req.ValidateOnly = 2, validateOnly
		for _, a := range alters {
			rr := kmsg.NewAlterConfigsRequestResource()
			rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeTopic, a.Topic
			for _, ch := range a.Changes {
				rc := kmsg.NewAlterConfigsRequestResourceConfig()
				rc.Name, rc.Value = ch.Name, ch.Value
				rr.Configs = append(rr.Configs, rc)
			}
			req.Resources = append(req.Resources, rr)
		}
		return req, nil
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Version, req.ValidateOnly = 1, validateOnly
	for _, a := range alters {
		rr := kmsg.NewIncrementalAlterConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeTopic, a.Topic
		for _, ch := range a.Changes {
			rc := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			rc.Name, rc.Op, rc.Value = ch.Name, kmsg.IncrementalAlterConfigOp(ch.Op), ch.Value
			rr.Configs = append(rr.Configs, rc)
		}
		req.Resources = append(req.Resources, rr)
	}
	return req, nil
}

// ConfigResultsFrom reads the per-resource results of an AlterConfigs or
// IncrementalAlterConfigs answer, in answer order.
func ConfigResultsFrom(r kmsg.Response) []cluster.ConfigResult {
	var out []cluster.ConfigResult
	add := func(name string, code int16, msg *string) {
		res := cluster.ConfigResult{Topic: name, Code: code}
		if msg != nil {
			res.Message = *msg
		}
		out = append(out, res)
	}
	switch resp := r.(type) {
	case *kmsg.IncrementalAlterConfigsResponse:
		for _, x := range resp.Resources {
			add(x.ResourceName, x.ErrorCode, x.ErrorMessage)
		}
	case *kmsg.AlterConfigsResponse:
		for _, x := range resp.Resources {
			add(x.ResourceName, x.ErrorCode, x.ErrorMessage)
		}
	}
	return out
}
