// A signal to an order's fulfillment workflow, typed by the workflow's own method:
// wf => wf.PickCompletedAsync(new PickCompletedSignal(...)). The compiler checks method and payload; the
// signal's name comes from the method's [WorkflowSignal] attribute, as the SDK reads it.
global using FulfillmentSignal = System.Linq.Expressions.Expression<System.Func<WarehouseOms.Workflows.OrderFulfillmentWorkflow, System.Threading.Tasks.Task>>;
